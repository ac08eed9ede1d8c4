// Shared geometry for the conv-gradient kernels: normalises the attrs tfjs passes to
// Conv2DBackpropFilter / Conv2DBackpropInput into explicit NHWC numbers.
import { backend_util } from '@tensorflow/tfjs-core';

export interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  // Not part of tfjs' kernel attrs (its conv2d gradient rejects dilations > 1), but accepted here so a
  // caller running the kernel directly can differentiate dilated convolutions.
  dilations?: [number, number] | number;
}

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kH: number;
  kW: number;
  sH: number;
  sW: number;
  dH: number;
  dW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  channelsLast: boolean;
}

/** Geometry in NHWC terms for input shape `xShape` (in the attrs' dataFormat) and filter shape [kh, kw, cin, cout]. */
export function convGeometry(
  kernel: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvGradAttrs,
): ConvGeometry {
  if (xShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `${kernel}: expected a rank-4 input and filter, got input shape [${xShape}] and filter shape [${filterShape}]`,
    );
  }
  const dataFormat = backend_util.convertConv2DDataFormat(attrs.dataFormat ?? 'NHWC');
  const info = backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    dataFormat,
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    sH: info.strideHeight,
    sW: info.strideWidth,
    dH: info.dilationHeight,
    dW: info.dilationWidth,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
    channelsLast: info.dataFormat === 'channelsLast',
  };
}
