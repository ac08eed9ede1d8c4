// Conv-gradient kernels for the cpu and wasm backends, registered as a side effect of importing @frb/layers.
import { registerConvGradKernels } from './register.js';

export {
  registerConvGradKernels,
  unregisterConvGradKernels,
  releaseConvGradKernels,
  isFrbKernel,
  enableNativeConvKernels,
  nativeConvKernelsActive,
} from './register.js';
export type { NativeConv } from './native/native_kernels.js';
export type { ConvGradBackend } from './register.js';
export { conv2DBackpropFilterViaConv, type Conv2DBackpropFilterAttrs } from './conv2d_backprop_filter.js';
export { conv2DBackpropInputViaConv, type Conv2DBackpropInputAttrs } from './conv2d_backprop_input.js';
export type { ConvGradAttrs } from './conv_geometry.js';

registerConvGradKernels();
