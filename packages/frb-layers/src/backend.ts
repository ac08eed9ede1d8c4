// Placeholder: the Node backend helper (tfjs-node-gpu > tfjs-node > wasm > cpu) lands here.
export {};
