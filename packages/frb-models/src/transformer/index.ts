// Placeholder: SwinIR-S and FRBT land here.
export {};
