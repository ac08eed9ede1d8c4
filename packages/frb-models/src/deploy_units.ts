// The binary units deployModel fuses: in a model's JSON topology, an SRBConv2D whose output feeds only an RPReLU
// whose output feeds only an Add of it and the conv's own input (FRBC/BBCU's 'bbcu' unit). Each becomes one
// PackedBinaryUnit (@frb/layers) named after the Add, with the conv's inbound node, so every layer downstream of
// the unit keeps its inputs; the conv and RPReLU entries are dropped. Likewise a binary upsampler stage (FRBC-M):
// an Add of PixelShuffle(r)(RPReLU(SRBConv2D(x))) and UpSampling2D(r, nearest)(x) becomes one PackedUpsampleUnit,
// dropping the conv, RPReLU, PixelShuffle and UpSampling2D entries. And consecutive units (findChains), with the float
// conv to RGB after the last where it reads only that, become one PackedChain.
import * as tfl from '@tensorflow/tfjs-layers';
import { RPReLU, SRBConv2D, chainLastProblem, unitFusionProblem, upsampleFusionProblem } from '@frb/layers';

type PyDict = { [k: string]: unknown };
/** One inbound tensor of a node in the saved topology: [layer name, node index, tensor index, kwargs]. */
type InboundRef = [string, number, number, unknown?];

export interface FusibleUnit {
  conv: SRBConv2D;
  act: RPReLU;
  /** The conv's inbound nodes (the unit's input), as saved. */
  inbound: unknown;
  /** An upsampler stage's factor r (absent for a unit with its residual add). */
  scale?: number;
  /** The other layers the fused layer replaces (an upsampler stage's PixelShuffle and UpSampling2D; a unit's Add when a LeakyReLU after it is fused too). */
  replaces: string[];
  /** The slope of the LeakyReLU fused after a residual unit (the fused layer then takes the LeakyReLU's name). */
  leakyAlpha?: number;
}

const entryName = (e: PyDict) => (e.name ?? (e.config as PyDict | undefined)?.name) as string;
const nodesOf = (e: PyDict) => (e.inbound_nodes ?? []) as InboundRef[][];
const sameTensor = (a: InboundRef, b: InboundRef) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** Per layer, the layers that read its output, once per inbound reference ('' for a model output). */
function readersOf(entries: PyDict[], outputs: unknown): Map<string, string[]> {
  const readers = new Map<string, string[]>();
  const read = (ref: InboundRef, by: string) => readers.set(ref[0], [...(readers.get(ref[0]) ?? []), by]);
  for (const e of entries) for (const node of nodesOf(e)) for (const ref of node) read(ref, entryName(e));
  for (const ref of (Array.isArray(outputs) ? outputs : []) as InboundRef[]) read(ref, '');
  return readers;
}

/** The single inbound tensor of a layer called once on one input, else null. */
function soleInput(e: PyDict | undefined): InboundRef | null {
  const nodes = e ? nodesOf(e) : [];
  return nodes.length === 1 && nodes[0].length === 1 ? nodes[0][0] : null;
}

/**
 * The fusible units of `model`, keyed by their Add's name. `entries` is the topology's layer list, `outputs` its
 * output_layers; a layer of the pattern whose output is also used elsewhere (another layer or a model output) leaves
 * it unfused, as does a unit that PackedBinaryUnit / PackedUpsampleUnit cannot run (unitFusionProblem,
 * upsampleFusionProblem).
 */
export function findUnits(model: tfl.LayersModel, entries: PyDict[], outputs: unknown): Map<string, FusibleUnit> {
  const byName = new Map(entries.map((e) => [entryName(e), e]));
  const readers = readersOf(entries, outputs);
  const usedOnce = (n: string) => readers.get(n)?.length === 1;
  // conv → act → `ref`, each used once, with the conv's input `x`: the conv and act, or null.
  const convAct = (ref: InboundRef, x: InboundRef) => {
    const c = soleInput(byName.get(ref[0]));
    const convEntry = c ? byName.get(c[0]) : undefined;
    const input = soleInput(convEntry);
    if (!c || !convEntry || !input || !sameTensor(input, x) || !usedOnce(ref[0]) || !usedOnce(c[0])) return null;
    return { conv: model.getLayer(c[0]), act: model.getLayer(ref[0]), inbound: convEntry.inbound_nodes };
  };

  const units = new Map<string, FusibleUnit>();
  for (const add of entries) {
    const nodes = nodesOf(add);
    if (add.class_name !== 'Add' || nodes.length !== 1 || nodes[0].length !== 2) continue;
    for (const [r, x] of [nodes[0], [...nodes[0]].reverse()]) {
      const unit = residualUnit(r, x) ?? upsampleStage(r, x);
      if (unit) { units.set(entryName(add), unit); break; }
    }
  }
  // A residual unit whose Add feeds only a LeakyReLU (FRBC-M's conv_hr unit and the tail's activation) takes the
  // LeakyReLU in too: the fused layer is named after it and replaces the Add.
  for (const lrelu of entries) {
    const src = lrelu.class_name === 'LeakyReLU' ? soleInput(lrelu) : null;
    const unit = src && src[1] === 0 && src[2] === 0 ? units.get(src[0]) : undefined;
    const alpha = ((lrelu.config ?? {}) as PyDict).alpha;
    if (!unit || unit.scale || !usedOnce(src![0]) || typeof alpha !== 'number' || !Number.isFinite(alpha)) continue;
    units.delete(src![0]);
    units.set(entryName(lrelu), { ...unit, replaces: [...unit.replaces, src![0]], leakyAlpha: alpha });
  }
  return units;

  function residualUnit(actRef: InboundRef, x: InboundRef): FusibleUnit | null {
    const found = convAct(actRef, x);
    if (!found || unitFusionProblem(found.conv, found.act) !== null) return null;
    return { conv: found.conv as SRBConv2D, act: found.act as RPReLU, inbound: found.inbound, replaces: [] };
  }

  function upsampleStage(shuffleRef: InboundRef, nearestRef: InboundRef): FusibleUnit | null {
    const shuffle = byName.get(shuffleRef[0]);
    const nearest = byName.get(nearestRef[0]);
    if (shuffle?.class_name !== 'PixelShuffle' || nearest?.class_name !== 'UpSampling2D') return null;
    const scale = (shuffle.config as PyDict).scale as number;
    const ncfg = nearest.config as PyDict;
    if (ncfg.interpolation !== 'nearest' || ![ncfg.size].flat().every((v) => v === scale)) return null;
    const x = soleInput(nearest);
    const a = soleInput(shuffle);
    if (!x || !a || !usedOnce(shuffleRef[0]) || !usedOnce(nearestRef[0])) return null;
    const found = convAct(a, x);
    if (!found || upsampleFusionProblem(found.conv, found.act, scale) !== null) return null;
    return { conv: found.conv as SRBConv2D, act: found.act as RPReLU, inbound: found.inbound, scale, replaces: [shuffleRef[0], nearestRef[0]] };
  }
}

/** Consecutive fused units (names in findUnits' map), each reading only the previous one's output, and the conv after them. */
export interface FusibleChain {
  units: string[];
  /** The float conv to RGB that alone reads the last unit's output, or null. */
  last: tfl.layers.Layer | null;
}

/**
 * The chains among `units` (findUnits' result), keyed by the name of the layer each ends with (its conv to RGB, or
 * its last unit). A unit joins the one before it where that one's output is read only by it (its conv, and its Add
 * or enlargement); a Conv2D that alone reads a chain's last unit ends the chain where chainLastProblem allows the
 * native pass. The units before the first upsampler stage (a model's body) are cut into chains of `bodyLength`
 * units (the rows one pass keeps per level make longer chains recompute more at the threads' borders); the stages
 * and the units after them form one chain. Chains of a single unit and no conv are left as the unit.
 */
export function findChains(model: tfl.LayersModel, entries: PyDict[], outputs: unknown, units: Map<string, FusibleUnit>, bodyLength: number): Map<string, FusibleChain> {
  const readers = readersOf(entries, outputs);
  const inputOf = (u: FusibleUnit) => {
    const node = (u.inbound as InboundRef[][] | undefined)?.[0];
    return node?.length === 1 && node[0][1] === 0 && node[0][2] === 0 ? node[0][0] : undefined;
  };
  const next = new Map<string, string>();
  for (const [name, u] of units) {
    const prev = inputOf(u);
    const own = new Set([name, u.conv.name, u.act.name, ...u.replaces]);
    if (prev && units.has(prev) && (readers.get(prev) ?? []).every((r) => own.has(r))) next.set(prev, name);
  }
  const linked = new Set(next.values());
  const chains = new Map<string, FusibleChain>();
  for (const start of units.keys()) {
    if (linked.has(start)) continue;
    const run = [start];
    for (let n = next.get(start); n !== undefined; n = next.get(n)) run.push(n);
    const firstStage = run.findIndex((n) => units.get(n)!.scale);
    const body = firstStage < 0 ? run : run.slice(0, firstStage);
    const pieces: string[][] = [];
    for (let i = 0; i < body.length; i += bodyLength) pieces.push(body.slice(i, i + bodyLength));
    if (firstStage >= 0) pieces.push(run.slice(firstStage));
    const tail = pieces[pieces.length - 1];
    const lastUnit = tail[tail.length - 1];
    const reader = readers.get(lastUnit);
    const conv = reader?.length === 1 ? entries.find((e) => entryName(e) === reader[0]) : undefined;
    const last = conv?.class_name === 'Conv2D' && soleInput(conv)?.[0] === lastUnit &&
      chainLastProblem(model.getLayer(entryName(conv)), units.get(lastUnit)!.conv.getConfig().filters as number / (units.get(lastUnit)!.scale ?? 1) ** 2) === null
      ? model.getLayer(entryName(conv)) : null;
    pieces.forEach((piece, i) => {
      const end = i === pieces.length - 1 ? last : null;
      if (piece.length > 1 || end) chains.set(end ? end.name : piece[piece.length - 1], { units: piece, last: end });
    });
  }
  return chains;
}
