// Conv2DBackpropInput as a forward convolution of the (zero-inserted, padded) dy with the spatially
// flipped, in/out-swapped filter, so it also runs on the backend's fast Conv2D.
//
// dx[i] = Σ_k dyd[i + pt − k·d] · W[k], dyd = dy with (s − 1) zeros between entries; with k' = K−1−k
// that is a 'valid' conv (dilation d) of dyd left-padded by (K−1)·d − pt with W flipped.
import * as tf from '@tensorflow/tfjs-core';
import { convGeometry, type ConvGradAttrs } from './conv_geometry.js';
import { conv2dValid, padCropHW, reshape, reverse, transpose } from './ops.js';

export interface Conv2DBackpropInputAttrs extends ConvGradAttrs {
  inputShape: [number, number, number, number];
}

export function conv2DBackpropInputViaConv(dy: tf.Tensor, filter: tf.Tensor, attrs: Conv2DBackpropInputAttrs): tf.Tensor {
  const name = 'Conv2DBackpropInput (@frb/layers)';
  if (attrs.inputShape == null || attrs.inputShape.length !== 4) {
    throw new Error(`${name}: attr inputShape must have rank 4, got ${JSON.stringify(attrs.inputShape)}`);
  }
  const g = convGeometry(name, attrs.inputShape, filter.shape, attrs);
  const toFree: tf.Tensor[] = [];
  const keep = (t: tf.Tensor, src: tf.Tensor): tf.Tensor => {
    if (t !== src) toFree.push(t);
    return t;
  };
  try {
    const dys = g.channelsLast ? dy : keep(transpose(dy, [0, 2, 3, 1]), dy);
    const expectDy = [g.batch, g.outH, g.outW, g.outC];
    if (dys.shape.join() !== expectDy.join()) {
      throw new Error(`${name}: dy shape [${dy.shape}] does not match the conv output shape [${expectDy}] (NHWC)`);
    }
    // Zero-insert for stride > 1: (n, Ho, 1, Wo, 1, c) padded to (n, Ho, sH, Wo, sW, c), flattened.
    let dyd = dys;
    if (g.sH > 1 || g.sW > 1) {
      const r6 = keep(reshape(dys, [g.batch, g.outH, 1, g.outW, 1, g.outC]), dys);
      const p6 = keep(
        tf.engine().runKernel(tf.PadV2, { x: r6 }, {
          paddings: [[0, 0], [0, 0], [0, g.sH - 1], [0, 0], [0, g.sW - 1], [0, 0]],
          constantValue: 0,
        }) as tf.Tensor,
        r6,
      );
      dyd = keep(reshape(p6, [g.batch, g.outH * g.sH, g.outW * g.sW, g.outC]), p6);
    }
    const lenH = g.outH * g.sH;
    const lenW = g.outW * g.sW;
    const pl = (g.kH - 1) * g.dH - g.padTop;
    const plW = (g.kW - 1) * g.dW - g.padLeft;
    const padded = keep(
      padCropHW(dyd, pl, g.inH + (g.kH - 1) * g.dH - pl - lenH, plW, g.inW + (g.kW - 1) * g.dW - plW - lenW),
      dyd,
    );
    const flipped = keep(reverse(filter, [0, 1]), filter);
    const wT = keep(transpose(flipped, [0, 1, 3, 2]), flipped); // (kH, kW, cout, cin)
    const dx = conv2dValid(padded, wT, [1, 1], [g.dH, g.dW]);
    if (g.channelsLast) return dx;
    toFree.push(dx);
    return transpose(dx, [0, 3, 1, 2]);
  } finally {
    for (const t of toFree) t.dispose();
  }
}

export const conv2DBackpropInputKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  const { dy, filter } = inputs as { dy: tf.Tensor; filter: tf.Tensor };
  return conv2DBackpropInputViaConv(dy, filter, attrs as unknown as Conv2DBackpropInputAttrs);
};
