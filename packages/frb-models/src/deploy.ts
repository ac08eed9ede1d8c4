// deployModel: the inference form of a trained binary model. Every SRBConv2D / SRBDense is swapped for its
// bit-packed twin (@frb/layers' PackedConv2D / PackedDense: 1-bit weight signs, α's, RSign thresholds and biases
// folded into per-channel multipliers), computing the same outputs with XNOR-popcount kernels; a binary unit
// (SRBConv2D → RPReLU → residual Add) becomes one PackedBinaryUnit, a binary upsampler stage (FRBC-M) one
// PackedUpsampleUnit, and consecutive ones (with the float conv to RGB after the last) one PackedChain that the
// native kernels run in one pass (deploy_units.ts). Everything else is copied unchanged. Like binarizeModel, it rewrites the model's JSON topology and rebuilds it with tfjs' own
// deserializer, so the deployed model saves and loads as a standard tfjs LayersModel (packed signs are int32
// words in weights.bin, one bit per weight).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { isPackable, isSRBLayer, packChainSpec, packSRBLayer, packUnitSpec, packUpsampleUnitSpec, type PackedLayerSpec, type SRBLayer } from '@frb/layers';
import { findChains, findUnits, type FusibleUnit } from './deploy_units.js';

export interface DeployOptions {
  /** Name of the deployed model (default: the old name + '_packed'). */
  name?: string;
  /**
   * Fuse each binary unit SRBConv2D → RPReLU → Add(·, the conv's input) into one PackedBinaryUnit named after the
   * Add (after a LeakyReLU that alone takes the Add's output, with that too), whose kernel applies RPReLU and the add
   * in its epilogue, and each binary upsampler stage into one PackedUpsampleUnit; then consecutive units (and the
   * float conv to RGB after the last, where it reads only that) into PackedChains, whose native kernel runs them in
   * one row-by-row pass (default true; same outputs either way).
   */
  fuse?: boolean;
  /**
   * Units per PackedChain among those before the first upsampler stage (a model's body; default 4, 1: none); the
   * stages and the units after them always form one chain.
   */
  bodyChain?: number;
}

type PyDict = { [k: string]: unknown };

const toSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Names of the layers deployModel would pack. Throws, naming the layer, for SRB layers that cannot be packed. */
export function planDeployment(model: tfl.LayersModel): string[] {
  if (!(model instanceof tfl.LayersModel)) throw new Error('deployModel: model must be a tfjs LayersModel');
  const names: string[] = [];
  for (const l of model.layers) {
    if (l instanceof tfl.LayersModel && l.layers.some(isSRBLayer)) {
      throw new Error(`deployModel: layer '${l.name}' is a nested model with SRB layers; deploy it on its own`);
    }
    if (!isSRBLayer(l)) continue;
    if (!isPackable(l)) {
      throw new Error(`deployModel: ${l.getClassName()} '${l.name}' has inputQuantizer ${JSON.stringify(l.binary.inputQuantizer)} (full-precision activations), which packed inference cannot run`);
    }
    names.push(l.name);
  }
  if (names.length === 0) throw new Error(`deployModel: model '${model.name}' has no SRBConv2D / SRBDense layers to pack`);
  return names;
}

/**
 * A new LayersModel in which every SRB layer of `model` is replaced by its packed form; `model` is untouched.
 * predict() gives the float simulation's outputs (within float rounding) on any backend.
 */
export async function deployModel(model: tfl.LayersModel, opts: DeployOptions = {}): Promise<tfl.LayersModel> {
  const pack = new Set(planDeployment(model));
  const specs = new Map<string, PackedLayerSpec>();
  try {
    const topology = model.toJSON(null, false) as PyDict;
    const config = topology.config as PyDict;
    const layers = config.layers as PyDict[] | undefined;
    if (!Array.isArray(layers)) throw new Error(`deployModel: model '${model.name}' has no layer list in its topology (only functional/sequential graphs are supported)`);
    const units = opts.fuse === false ? new Map<string, FusibleUnit>() : findUnits(model, layers, config.output_layers);
    const bodyChain = opts.bodyChain ?? 4;
    if (!Number.isInteger(bodyChain) || bodyChain < 1) throw new Error(`deployModel: bodyChain must be an integer >= 1, got ${JSON.stringify(opts.bodyChain)}`);
    const chains = findChains(model, layers, config.output_layers, units, bodyChain);
    const fused = new Set([...units.values()].flatMap((u) => [u.conv.name, u.act.name, ...u.replaces]));
    for (const [name, c] of chains) for (const u of c.units) if (u !== name) fused.add(u);
    const unitSpec = (unit: FusibleUnit, name: string) => unit.scale
      ? packUpsampleUnitSpec(unit.conv, unit.act, unit.scale, name) : packUnitSpec(unit.conv, unit.act, name, unit.leakyAlpha);
    for (const entry of layers) {
      const cfg = entry.config as PyDict;
      const name = (entry.name ?? cfg?.name) as string;
      const unit = units.get(name);
      const chain = chains.get(name);
      if (fused.has(name) || (!unit && !chain && !pack.has(name))) continue;
      let spec: PackedLayerSpec;
      if (chain) {
        spec = packChainSpec(chain.units.map((u) => unitSpec(units.get(u)!, u)), chain.last, name);
        entry.inbound_nodes = units.get(chain.units[0])!.inbound;
      } else {
        spec = unit ? unitSpec(unit, name) : packSRBLayer(model.getLayer(name) as SRBLayer);
        if (unit) entry.inbound_nodes = unit.inbound;
      }
      specs.set(name, spec);
      entry.class_name = spec.className;
      entry.config = Object.fromEntries(Object.entries(spec.config).filter(([, v]) => v !== undefined).map(([k, v]) => [toSnake(k), v]));
    }
    if (fused.size) config.layers = layers.filter((e) => !fused.has((e.name ?? (e.config as PyDict)?.name) as string));
    for (const n of pack) {
      if (!specs.has(n) && !fused.has(n)) throw new Error(`deployModel: layer '${n}' was not found in the saved topology of '${model.name}'`);
    }
    config.name = opts.name ?? `${model.name}_packed`;

    const out = await tfl.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);
    for (const layer of out.layers) {
      const spec = specs.get(layer.name);
      if (spec) {
        layer.setWeights(spec.weights);
        continue;
      }
      const old = model.getLayer(layer.name);
      if (old.weights.length) layer.setWeights(old.getWeights());
    }
    return out;
  } finally {
    for (const s of specs.values()) tf.dispose(s.weights);
  }
}
