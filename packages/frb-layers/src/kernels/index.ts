// Placeholder: conv-gradient kernels for cpu/wasm land here (owned by the kernels work).
export {};
