// Layer names shared by every convolutional SR model in this package. The FP twin and the binary models use the
// same names at the same block boundaries, so DBT distillation can pair `body/block_NN` outputs by name.
// tfjs-layers accepts '/' in layer and weight names (tensor-name regex `[-A-Za-z0-9._/]`), and it survives save/load.

/** Name of the layer whose output is residual block `i` (0-based): `body/block_07`. */
export function blockName(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i > 99) {
    throw new Error(`blockName: block index must be an integer in 0..99, got ${i}`);
  }
  return `body/block_${String(i).padStart(2, '0')}`;
}

/** The block names of an N-block body, in order. */
export function blockNames(blocks: number): string[] {
  return Array.from({ length: blocks }, (_, i) => blockName(i));
}

/** True when `name` is a block boundary (`body/block_NN` exactly). */
export function isBlockName(name: string): boolean {
  return /^body\/block_\d{2}$/.test(name);
}
