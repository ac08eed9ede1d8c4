/**
 * One Swin layer of SwinIR (`SwinTransformerBlock`), built as a functional sub-graph:
 *
 *   xw = partition(shift(x));  y = xw + proj(attn(qkv(LN1(xw))));  z = y + fc2(GELU(fc1(LN2(y))));  out = unshift(reverse(z))
 *
 * LayerNorm and the MLP act per token, so running them on the window-partitioned tokens equals SwinIR's order
 * (LN before the partition) while needing one partition and one reverse per layer, and keeps every Linear on a
 * rank-3 [B·nW, N, C] tensor (what SRBDense accepts). The sub-graph is made of separate layers rather than one
 * composite layer: tfjs-layers does not serialize layers nested inside a custom layer, and FRBT needs each Linear
 * visible to swap it for SRBDense.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { WindowPartition, WindowReverse } from './window.js';
import { WindowAttention } from './window_attention.js';
import { linear, type LinearSpec } from './linear.js';
import { LayerNorm } from './layer_norm.js';
import { GELU } from './gelu.js';

export interface SwinLayerOptions {
  /** Layer-name prefix, e.g. `body/rstb_0/layer_1`. */
  prefix: string;
  numHeads: number;
  windowSize: number;
  /** 0 or windowSize/2 (alternating in SwinIR). */
  shiftSize: number;
  /** MLP hidden width = mlpRatio · C (SwinIR-S: 2). */
  mlpRatio: number;
  linear: LinearSpec;
}

export function swinLayer(x: tfl.SymbolicTensor, o: SwinLayerOptions): tfl.SymbolicTensor {
  const dim = x.shape[3] as number;
  const hidden = Math.round(dim * o.mlpRatio);
  if (!(hidden > 0)) throw new Error(`swinLayer '${o.prefix}': mlpRatio ${o.mlpRatio} gives an empty MLP for width ${dim}`);
  const p = o.prefix;
  const win = { windowSize: o.windowSize, shiftSize: o.shiftSize };
  const ln = (name: string) => new LayerNorm({ epsilon: 1e-5, name: `${p}/${name}` });

  const xw = new WindowPartition({ ...win, name: `${p}/partition` }).apply(x) as tfl.SymbolicTensor;
  const qkv = linear(ln('norm1').apply(xw) as tfl.SymbolicTensor, 3 * dim, `${p}/attn/qkv`, o.linear);
  const att = new WindowAttention({ ...win, numHeads: o.numHeads, name: `${p}/attn` }).apply([qkv, x]) as tfl.SymbolicTensor;
  const proj = linear(att, dim, `${p}/attn/proj`, o.linear);
  const y = tfl.layers.add({ name: `${p}/attn_residual` }).apply([xw, proj]) as tfl.SymbolicTensor;

  const fc1 = linear(ln('norm2').apply(y) as tfl.SymbolicTensor, hidden, `${p}/mlp/fc1`, o.linear);
  const act = new GELU({ name: `${p}/mlp/gelu` }).apply(fc1) as tfl.SymbolicTensor;
  const fc2 = linear(act, dim, `${p}/mlp/fc2`, o.linear);
  const z = tfl.layers.add({ name: `${p}/mlp_residual` }).apply([y, fc2]) as tfl.SymbolicTensor;

  return new WindowReverse({ ...win, name: `${p}/reverse` }).apply([z, x]) as tfl.SymbolicTensor;
}
