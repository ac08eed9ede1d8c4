// The kernels of @frb/layers: their contracts, the portable conv gradients and the tier registration. Importing
// @frb/layers registers only what stock tfjs lacks for training (wasm's Conv2DBackpropFilter); the faster tiers
// are turned on explicitly (registerFrbKernels, or initBackend in '@frb/layers/node').
import { applyFrbKernels } from './register.js';

export {
  registerFrbKernels,
  unregisterFrbKernels,
  releaseFrbKernels,
  frbKernelRegistration,
  isFrbKernel,
  enableNativeConvKernels,
  nativeConvKernelsActive,
  type ConvGradBackend,
  type KernelTier,
  type FrbKernelRegistration,
  type RegisterFrbKernelsOptions,
} from './register.js';
export * from './contracts.js';
export type { NativeConv } from './native/native_kernels.js';
export { conv2DBackpropFilterViaConv, type Conv2DBackpropFilterAttrs } from './conv2d_backprop_filter.js';
export { conv2DBackpropInputViaConv, type Conv2DBackpropInputAttrs } from './conv2d_backprop_input.js';
export type { ConvGradAttrs } from './conv_geometry.js';

applyFrbKernels();
