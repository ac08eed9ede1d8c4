/**
 * binarySummary: a bit-aware model summary (like Larq's `summary`) with the binary-SR papers'
 * counting convention (BBCU, BiBench-style; used by FRB's tables):
 *
 *   Params = FP params + binary params / 32
 *   OPs    = FP MACs   + binary MACs  / 64
 *
 * - FP params are conv/dense kernels and biases of full-precision layers, plus biases of binary
 *   layers. Binary params are an SRB layer's kernel size × order: each extra binary base counts
 *   again.
 * - Per-channel full-precision extras (RSign thresholds, the α's of each SRB base, RPReLU /
 *   LearnableBias / BatchNorm / PReLU weights and any other non-conv/dense layer's weights) are
 *   kept out of the headline Params, in their own `scalars` column, as BBCU's counts leave them
 *   out. The centering mean needs no storage (Ŵ = Σ α_k s_k) and is not counted.
 * - MACs are per single input of `inputShape` (batch 1). An SRB layer's MACs are binary
 *   (× order) when its activations are binarized; with inputQuantizer null or 'identity' the
 *   activations are full precision, and its MACs count as FP (once: Ŵ can be precomputed).
 * - Memory: 32 bits per FP param and scalar, 1 bit per binary param.
 * - `storedParams` is what tfjs' `model.countParams()` counts: every stored weight value once. It differs from
 *   Params by design: a float-simulated SRB layer stores its latent float32 kernel once (whatever its order) and
 *   computes its α's; a packed layer (PackedConv2D / PackedDense, which report the counts of the SRB layer they came
 *   from) stores int32 sign words; both store per-channel scalars that Params leaves out.
 * - The leading (batch) dimension of every layer input counts: the summary feeds batch 1, and a layer
 *   that folds spatial blocks into the batch (e.g. a Swin window partition, [1, H, W, C] → [nW, N, C])
 *   must report the concrete folded batch in its computeOutputShape, so a Dense after it counts every
 *   token of the image, not one window's. An unknown (null) dimension there is an error, not a guess.
 * - Custom layers whose work is not a conv/dense (e.g. attention matmuls) implement the
 *   {@link SummaryCountsLayer} protocol: `summaryCounts(inputShapes, outputShapes)` replaces the
 *   default MAC rule for that application (and, where it returns them, the parameter split).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { isSRBLayer, type SRBLayer } from './layers/srb-base.js';

/** A concrete-or-symbolic shape, batch dimension first. */
export type SummaryShape = (number | null)[];
type Shape = SummaryShape;

export interface BinarySummaryRow {
  /** Layer name; layers inside nested models are prefixed with the model's name ("body/conv1"). */
  name: string;
  className: string;
  /** Output shape of the layer's first application, batch dimension included (1). */
  outputShape: Shape | Shape[];
  /** Full-precision conv/dense kernel and bias parameters. */
  fpParams: number;
  /** Binary weights × number of bases. */
  binaryParams: number;
  /** Per-channel full-precision extras (thresholds, α's, RPReLU, BN, ...), not in headline Params. */
  scalars: number;
  /** 32·fpParams + binaryParams + 32·scalars. */
  memoryBits: number;
  /** Full-precision multiply-accumulates, summed over all applications of the layer. */
  fpMacs: number;
  /** Binary (XNOR-popcount) multiply-accumulates × order, summed over all applications. */
  binaryMacs: number;
  /** Caveats, e.g. a weighted layer type whose MACs are not modelled. */
  notes: string[];
}

export interface BinarySummaryTotals {
  fpParams: number;
  binaryParams: number;
  scalars: number;
  /** FP params + binary params / 32 (the papers' headline Params). */
  params: number;
  memoryBits: number;
  memoryBytes: number;
  fpMacs: number;
  binaryMacs: number;
  /** FP MACs + binary MACs / 64 (the papers' headline OPs). */
  ops: number;
  /** Every stored weight value once, as tfjs' model.countParams() counts (see the header for why it differs from params). */
  storedParams: number;
}

export interface BinarySummary {
  rows: BinarySummaryRow[];
  totals: BinarySummaryTotals;
  /** The formatted table ({@link formatBinarySummary}). */
  toString(): string;
}

export interface BinarySummaryOptions {
  /** Input shape without the batch dimension, e.g. [180, 320, 3]; one per model input for multi-input models. */
  inputShape: number[] | number[][];
}

/** What a {@link SummaryCountsLayer} reports for one application of itself (batch 1 model input). */
export interface SummaryCounts {
  /** Full-precision MACs of this application. */
  fpMacs: number;
  /** Binary MACs × order of this application. */
  binaryMacs?: number;
  /** Parameter split, counted once per layer; omitted fields keep the default rules' values. */
  fpParams?: number;
  binaryParams?: number;
  scalars?: number;
  /** Caveats shown under the table (e.g. what is deliberately not counted). */
  notes?: string[];
}

/**
 * Protocol for custom layers whose MACs the default rules (conv / dense by kernel shape) cannot see,
 * e.g. window attention's QKᵀ and AV matmuls. Shapes are concrete, batch dimension included.
 */
export interface SummaryCountsLayer {
  summaryCounts(inputShapes: Shape[], outputShapes: Shape[]): SummaryCounts;
}

/** True when `layer` implements {@link SummaryCountsLayer}. */
export function hasSummaryCounts(layer: unknown): layer is SummaryCountsLayer {
  return layer != null && typeof (layer as Partial<SummaryCountsLayer>).summaryCounts === 'function';
}

/** tfjs internals the walk reads (present on every LayersModel / Sequential once built). */
interface ContainerInternals {
  name: string;
  built: boolean;
  inputLayers: tfl.layers.Layer[];
  outputLayers: tfl.layers.Layer[];
  outputLayersNodeIndices: number[];
  outputLayersTensorIndices: number[];
  nodesByDepth: Record<string, NodeInternals[]>;
  build?(shape: Shape): void;
}
interface NodeInternals {
  outboundLayer: tfl.layers.Layer;
  inboundLayers: tfl.layers.Layer[];
  nodeIndices: number[];
  tensorIndices: number[];
}

function isContainer(layer: unknown): layer is ContainerInternals {
  const c = layer as Partial<ContainerInternals>;
  return c != null && typeof c === 'object' && c.nodesByDepth !== undefined && Array.isArray(c.inputLayers);
}

const prod = (xs: readonly (number | null)[]): number => xs.reduce<number>((a, b) => a * (b ?? NaN), 1);
const weightSize = (layer: tfl.layers.Layer, suffix: string): number =>
  layer.weights.filter((w) => w.originalName.endsWith(`/${suffix}`) || w.originalName === suffix)
    .reduce((s, w) => s + prod(w.shape), 0);
const allWeights = (layer: tfl.layers.Layer): number => layer.weights.reduce((s, w) => s + prod(w.shape), 0);

function isShapeList(s: Shape | Shape[]): s is Shape[] {
  return Array.isArray(s[0]);
}

/** Full-precision "dense-like" MAC count: outputs × fan-in. */
function convMacs(layer: tfl.layers.Layer, inShape: Shape, outShape: Shape): { macs: number; note?: string } {
  const cls = layer.getClassName();
  const kernel = layer.weights.find((w) => /(^|\/)(kernel|depthwise_kernel)$/.test(w.originalName));
  switch (cls) {
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'SRBConv2D':
      // Each output position (batch included, see the header): kh·kw·in MACs per output channel.
      return { macs: prod(outShape.slice(0, -1)) * prod(kernel!.shape) };
    case 'DepthwiseConv2D':
      // kernel [kh, kw, in, multiplier]: one kh·kw product per output channel.
      return { macs: prod(outShape.slice(0, -1)) * prod(kernel!.shape) };
    case 'Conv2DTranspose':
    case 'Conv3DTranspose':
      // Each input position scatters kh·kw·out products per input channel.
      return { macs: prod(inShape.slice(0, -1)) * prod(kernel!.shape) };
    case 'Dense':
    case 'SRBDense':
      // Rank-3 inputs: every token (of every window folded into the batch) is multiplied by the kernel.
      return { macs: prod(inShape.slice(0, -1)) * prod(kernel!.shape) };
    default:
      return { macs: 0 };
  }
}

const FP_WEIGHTED = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'DepthwiseConv2D', 'Conv2DTranspose', 'Conv3DTranspose', 'Dense']);
const UNMODELLED_MACS = new Set(['SeparableConv2D', 'SeparableConv1D', 'LSTM', 'GRU', 'SimpleRNN', 'ConvLSTM2D', 'Embedding']);

/** Parameter split of one layer (counted once, however often it is applied). */
function layerParams(layer: tfl.layers.Layer): Pick<BinarySummaryRow, 'fpParams' | 'binaryParams' | 'scalars' | 'notes'> {
  if (isSRBLayer(layer)) {
    const { order, scaleWeights } = layer.binary;
    const kernel = weightSize(layer, 'kernel');
    const outChannels = layer.latentKernel!.shape[layer.latentKernel!.shape.length - 1] as number;
    return {
      fpParams: weightSize(layer, 'bias'),
      binaryParams: kernel * order,
      scalars: weightSize(layer, 'threshold') + (scaleWeights ? order * outChannels : 0),
      notes: [],
    };
  }
  const total = allWeights(layer);
  if (FP_WEIGHTED.has(layer.getClassName())) return { fpParams: total, binaryParams: 0, scalars: 0, notes: [] };
  const notes = UNMODELLED_MACS.has(layer.getClassName()) && total > 0
    ? [`${layer.getClassName()}: weights counted as scalars, MACs not modelled`]
    : [];
  return { fpParams: 0, binaryParams: 0, scalars: total, notes };
}

function activationsBinarized(layer: SRBLayer): boolean {
  const q = layer.binary.inputQuantizer;
  return q !== null && q !== 'identity';
}

/**
 * Walks a (possibly nested) model's graph with concrete shapes, as tfjs' own
 * Container.computeOutputShape does, recording each layer application.
 */
function walk(model: ContainerInternals, inputShapes: Shape[], prefix: string, rows: Map<tfl.layers.Layer, BinarySummaryRow>, order: tfl.layers.Layer[]): Shape[] {
  if (inputShapes.length !== model.inputLayers.length) {
    throw new Error(`binarySummary: model '${model.name}' has ${model.inputLayers.length} input(s), got ${inputShapes.length} input shape(s)`);
  }
  const known = new Map<string, Shape>();
  model.inputLayers.forEach((layer, i) => known.set(`${layer.name}_0_0`, inputShapes[i]));
  const depths = Object.keys(model.nodesByDepth).map(Number).sort((a, b) => b - a);
  for (const depth of depths) {
    for (const node of model.nodesByDepth[depth]) {
      const layer = node.outboundLayer;
      if (model.inputLayers.includes(layer)) continue;
      const inShapes = node.inboundLayers.map((inbound, j) => {
        const key = `${inbound.name}_${node.nodeIndices[j]}_${node.tensorIndices[j]}`;
        const s = known.get(key);
        if (s === undefined) throw new Error(`binarySummary: no shape for input '${key}' of layer '${prefix}${layer.name}'`);
        return s;
      });
      let outShapes: Shape[];
      if (isContainer(layer)) {
        outShapes = walk(layer, inShapes, `${prefix}${layer.name}/`, rows, order);
      } else {
        const out = layer.computeOutputShape(inShapes.length === 1 ? inShapes[0] : inShapes) as Shape | Shape[];
        outShapes = isShapeList(out) ? out : [out];
        record(layer, inShapes, outShapes, prefix, rows, order);
      }
      const nodeIndex = layer.inboundNodes.indexOf(node as never);
      outShapes.forEach((s, j) => known.set(`${layer.name}_${nodeIndex}_${j}`, s));
    }
  }
  return model.outputLayers.map((layer, i) => {
    const key = `${layer.name}_${model.outputLayersNodeIndices[i]}_${model.outputLayersTensorIndices[i]}`;
    const s = known.get(key);
    if (s === undefined) throw new Error(`binarySummary: no shape for output '${key}' of model '${model.name}'`);
    return s;
  });
}

function record(layer: tfl.layers.Layer, inShapes: Shape[], outShapes: Shape[], prefix: string, rows: Map<tfl.layers.Layer, BinarySummaryRow>, order: tfl.layers.Layer[]): void {
  const custom = hasSummaryCounts(layer) ? layer.summaryCounts(inShapes, outShapes) : null;
  let row = rows.get(layer);
  if (row === undefined) {
    const d = layerParams(layer);
    const p = {
      fpParams: custom?.fpParams ?? d.fpParams,
      binaryParams: custom?.binaryParams ?? d.binaryParams,
      scalars: custom?.scalars ?? d.scalars,
      notes: [...d.notes, ...(custom?.notes ?? [])],
    };
    row = {
      name: `${prefix}${layer.name}`,
      className: layer.getClassName(),
      outputShape: outShapes.length === 1 ? outShapes[0] : outShapes,
      ...p,
      memoryBits: 32 * p.fpParams + p.binaryParams + 32 * p.scalars,
      fpMacs: 0,
      binaryMacs: 0,
    };
    rows.set(layer, row);
    order.push(layer);
  }
  if (custom !== null) {
    const fp = custom.fpMacs;
    const bin = custom.binaryMacs ?? 0;
    if (!Number.isFinite(fp) || !Number.isFinite(bin) || fp < 0 || bin < 0) {
      throw new Error(`binarySummary: layer '${row.name}' summaryCounts gave invalid MACs (fp ${fp}, binary ${bin}) for input [${inShapes.map((s) => `[${s}]`)}]; give a full inputShape`);
    }
    row.fpMacs += fp;
    row.binaryMacs += bin;
    return;
  }
  const { macs } = convMacs(layer, inShapes[0], outShapes[0]);
  if (Number.isNaN(macs)) {
    throw new Error(`binarySummary: layer '${row.name}' has an undefined dimension (input [${inShapes[0]}], output [${outShapes[0]}]); give a full inputShape`);
  }
  if (isSRBLayer(layer)) {
    if (activationsBinarized(layer)) row.binaryMacs += macs * layer.binary.order;
    else row.fpMacs += macs;
  } else {
    row.fpMacs += macs;
  }
}

/**
 * Per-layer and total FP/binary parameters, scalars, memory and MACs of `model` for one input
 * of `inputShape` (without batch), with the binary-SR papers' Params/OPs convention.
 */
export function binarySummary(model: tfl.LayersModel, opts: BinarySummaryOptions): BinarySummary {
  if (opts == null || !Array.isArray(opts.inputShape) || opts.inputShape.length === 0) {
    throw new Error('binarySummary: opts.inputShape is required, e.g. { inputShape: [180, 320, 3] } (no batch dimension)');
  }
  const shapes: number[][] = Array.isArray(opts.inputShape[0]) ? (opts.inputShape as number[][]) : [opts.inputShape as number[]];
  for (const s of shapes) {
    if (!s.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`binarySummary: inputShape must be positive integers without the batch dimension, got [${s}]`);
    }
  }
  const container = model as unknown as ContainerInternals & { inputs?: { shape: Shape }[] };
  // A Sequential builds its inner graph lazily (on first predict/fit/summary); build it now.
  if (!container.built && typeof container.build === 'function' && (container.inputs?.length ?? 0) > 0) {
    container.build(container.inputs![0].shape);
  }
  if (!isContainer(container) || container.inputLayers.length === 0) {
    throw new Error(`binarySummary: model '${container.name}' has no inputs; give its first layer an inputShape`);
  }
  const rows = new Map<tfl.layers.Layer, BinarySummaryRow>();
  const order: tfl.layers.Layer[] = [];
  walk(container, shapes.map((s) => [1, ...s]), '', rows, order);
  const list = order.map((l) => rows.get(l)!);
  const sum = (k: 'fpParams' | 'binaryParams' | 'scalars' | 'memoryBits' | 'fpMacs' | 'binaryMacs') =>
    list.reduce((s, r) => s + r[k], 0);
  const totals: BinarySummaryTotals = {
    fpParams: sum('fpParams'),
    binaryParams: sum('binaryParams'),
    scalars: sum('scalars'),
    params: sum('fpParams') + sum('binaryParams') / 32,
    memoryBits: sum('memoryBits'),
    memoryBytes: sum('memoryBits') / 8,
    fpMacs: sum('fpMacs'),
    binaryMacs: sum('binaryMacs'),
    ops: sum('fpMacs') + sum('binaryMacs') / 64,
    storedParams: order.reduce((n, l) => n + allWeights(l), 0),
  };
  const summary: BinarySummary = { rows: list, totals, toString: () => formatBinarySummary(summary) };
  return summary;
}

/** 1234567 → "1.23 M"; small numbers stay exact. */
function human(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (abs >= 1e4) return `${(n / 1e3).toFixed(2)} K`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** Byte counts as B / KB / MB / GB (powers of 1000). */
function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} KB`;
  return `${n} B`;
}

/** Plain-text table of a {@link BinarySummary}: one line per layer, then the totals. */
export function formatBinarySummary(s: BinarySummary): string {
  const header = ['Layer (type)', 'Output shape', 'FP params', 'Binary params', 'Scalars', 'Memory', 'FP MACs', 'Binary MACs'];
  const body = s.rows.map((r) => [
    `${r.name} (${r.className})`,
    JSON.stringify(r.outputShape).replace(/,/g, ', '),
    human(r.fpParams), human(r.binaryParams), human(r.scalars), bytes(r.memoryBits / 8),
    human(r.fpMacs), human(r.binaryMacs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const t = s.totals;
  const notes = s.rows.flatMap((r) => r.notes.map((n) => `note: ${r.name}: ${n}`));
  return [
    line(header), rule, ...body.map(line), rule,
    `FP params: ${t.fpParams}   binary params: ${t.binaryParams}   scalars: ${t.scalars}`,
    `Params (FP + binary/32): ${human(t.params)}   memory: ${bytes(t.memoryBytes)} (${t.memoryBits} bits)`,
    `FP MACs: ${human(t.fpMacs)}   binary MACs: ${human(t.binaryMacs)}   OPs (FP + binary/64): ${human(t.ops)}`,
    `Stored values (tfjs countParams): ${t.storedParams}   (not Params: binary kernels are stored once as latent float32 or as packed int32 words, scalars included)`,
    ...notes,
  ].join('\n');
}
