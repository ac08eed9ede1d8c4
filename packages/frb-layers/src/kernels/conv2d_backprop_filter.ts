// Conv2DBackpropFilter as a forward convolution, so it runs on the backend's fast Conv2D
// (XNNPACK on wasm, the tight JS loop on cpu) instead of tfjs-cpu's 74 s loop or wasm's missing kernel.
//
// dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh·sH + kh·dH, ow·sW + kw·dW, ci] · dy[n,oh,ow,co]
// which is a 'valid' conv of xᵀ (ci, Hp, Wp, n) with dyᵀ (Ho, Wo, n, co) as the filter, where the
// original stride becomes the dilation and the original dilation becomes the stride.
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGradAttrs } from './conv_geometry.js';
import { conv2dValid, padCropHW, transpose } from './ops.js';

export interface Conv2DBackpropFilterAttrs extends ConvGradAttrs {
  filterShape: [number, number, number, number];
}

export function conv2DBackpropFilterViaConv(x: tf.Tensor, dy: tf.Tensor, attrs: Conv2DBackpropFilterAttrs): tf.Tensor {
  const name = 'Conv2DBackpropFilter (@frb/layers)';
  if (attrs.filterShape == null || attrs.filterShape.length !== 4) {
    throw new Error(`${name}: attr filterShape must be [kh, kw, inChannels, outChannels], got ${JSON.stringify(attrs.filterShape)}`);
  }
  const g = convGeometry(name, x.shape, attrs.filterShape, attrs);
  const toFree: tf.Tensor[] = [];
  const keep = (t: tf.Tensor, src: tf.Tensor): tf.Tensor => {
    if (t !== src) toFree.push(t);
    return t;
  };
  try {
    let xs = x;
    let dys = dy;
    if (!g.channelsLast) {
      xs = keep(transpose(x, [0, 2, 3, 1]), x);
      dys = keep(transpose(dy, [0, 2, 3, 1]), dy);
    }
    const expectDy = [g.batch, g.outH, g.outW, g.outC];
    if (dys.shape.join() !== expectDy.join()) {
      throw new Error(`${name}: dy shape [${dy.shape}] does not match the conv output shape [${expectDy}] (NHWC)`);
    }
    // Pad (or crop unused trailing rows/cols) so the conv output is exactly kH x kW.
    const needH = (g.outH - 1) * g.sH + (g.kH - 1) * g.dH + 1;
    const needW = (g.outW - 1) * g.sW + (g.kW - 1) * g.dW + 1;
    const xp = keep(padCropHW(xs, g.padTop, needH - g.padTop - g.inH, g.padLeft, needW - g.padLeft - g.inW), xs);
    const xT = keep(transpose(xp, [3, 1, 2, 0]), xp); // (ci, Hp, Wp, n)
    const dyT = keep(transpose(dys, [1, 2, 0, 3]), dys); // (Ho, Wo, n, co)
    const r = keep(conv2dValid(xT, dyT, [g.dH, g.dW], [g.sH, g.sW]), xT); // (ci, kH, kW, co)
    return transpose(r, [1, 2, 0, 3]);
  } finally {
    for (const t of toFree) t.dispose();
  }
}

export const conv2DBackpropFilterKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { x, dy } = inputs as { x: tf.Tensor; dy: tf.Tensor };
  return conv2DBackpropFilterViaConv(x, dy, attrs as unknown as Conv2DBackpropFilterAttrs);
};
