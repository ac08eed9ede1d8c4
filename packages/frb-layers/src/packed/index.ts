// Bit-packed XNOR-popcount inference for trained SRB layers.
export * from './bits.js';
export * from './xnor-gemm.js';
export { packActivationsWasm, assembleSignPack } from './sign-pack-wasm.js';
export { xnorConvDirect, xnorConvHeap, assembleXnorConv, type DirectConvArgs } from './xnor-conv-wasm.js';
export { assembleModule, CodeWriter } from './wasm-builder.js';
export {
  startPackedThreads, stopPackedThreads, packedThreads, packedThreadsUnavailable, browserWorkerSpawner, type WorkerSpawner, type PoolWorker,
} from './xnor-threads.js';
export { nativeXnorAvailable, nativeXnorLanes, nativeXnorPreferred, nativeXnorWeights } from './xnor-native.js';
export { setPackedKernel, getPackedKernel, BINARY_INPUT_QUANTIZERS, type PackedBinaryArgs } from './packed-common.js';
export * from './packed-conv2d.js';
export * from './packed-dense.js';
export * from './packed-unit.js';
export * from './pack.js';
export * from './packed-upsample-unit.js';
export * from './packed-chain.js';
