/**
 * Residual Swin Transformer Block (SwinIR `RSTB` with resi_connection '1conv'): `depth` Swin layers alternating
 * regular and shifted windows, a 3x3 conv, and the block residual. Its output layer is named `body/rstb_<i>`,
 * the boundary DBT distillation pairs between SwinIR-S and FRBT. SwinIR's patch embed/unembed inside the RSTB
 * are reshapes between tokens and NCHW; with NHWC tensors throughout they are identities and are omitted.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { swinLayer, type SwinLayerOptions } from './swin_layer.js';

export interface RSTBOptions extends Omit<SwinLayerOptions, 'prefix' | 'shiftSize'> {
  /** Block index: names `body/rstb_<index>`. */
  index: number;
  /** Swin layers per block (SwinIR-S: 6). */
  depth: number;
}

export function rstbName(index: number): string {
  if (!Number.isInteger(index) || index < 0) throw new Error(`rstbName: index must be a non-negative integer, got ${index}`);
  return `body/rstb_${index}`;
}

/** PyTorch's default Conv2d init (kaiming_uniform with a = √5 ⇒ U(±1/√fan_in)), as SwinIR's convs use. */
export function torchConvInit(): ReturnType<typeof tfl.initializers.truncatedNormal> {
  return tfl.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform' });
}

export function conv3x3(filters: number, name: string): tfl.layers.Layer {
  return tfl.layers.conv2d({ filters, kernelSize: 3, padding: 'same', name, kernelInitializer: torchConvInit(), biasInitializer: 'zeros' });
}

export function rstb(x: tfl.SymbolicTensor, o: RSTBOptions): tfl.SymbolicTensor {
  const name = rstbName(o.index);
  if (!Number.isInteger(o.depth) || o.depth < 1) throw new Error(`rstb '${name}': depth must be a positive integer, got ${o.depth}`);
  let t = x;
  for (let j = 0; j < o.depth; j++) {
    t = swinLayer(t, { ...o, prefix: `${name}/layer_${j}`, shiftSize: j % 2 === 0 ? 0 : Math.floor(o.windowSize / 2) });
  }
  const c = conv3x3(x.shape[3] as number, `${name}/conv`).apply(t) as tfl.SymbolicTensor;
  return tfl.layers.add({ name }).apply([c, x]) as tfl.SymbolicTensor;
}
