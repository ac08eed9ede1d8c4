// The binary units deployModel fuses: in a model's JSON topology, an SRBConv2D whose output feeds only an RPReLU
// whose output feeds only an Add of it and the conv's own input (FRBC/BBCU's 'bbcu' unit). Each becomes one
// PackedBinaryUnit (@frb/layers) named after the Add, with the conv's inbound node, so every layer downstream of
// the unit keeps its inputs; the conv and RPReLU entries are dropped. Likewise a binary upsampler stage (FRBC-M):
// an Add of PixelShuffle(r)(RPReLU(SRBConv2D(x))) and UpSampling2D(r, nearest)(x) becomes one PackedUpsampleUnit,
// dropping the conv, RPReLU, PixelShuffle and UpSampling2D entries. And the tail of FRBC-M (findTails): the last
// such stage, the conv_hr unit after it and the float conv to RGB after that become one PackedUpsampleTail.
import * as tfl from '@tensorflow/tfjs-layers';
import { RPReLU, SRBConv2D, tailFusionProblem, unitFusionProblem, upsampleFusionProblem } from '@frb/layers';

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
  const uses = new Map<string, number>();
  const use = (n: string) => uses.set(n, (uses.get(n) ?? 0) + 1);
  for (const e of entries) for (const node of nodesOf(e)) for (const ref of node) use(ref[0]);
  for (const ref of (Array.isArray(outputs) ? outputs : []) as InboundRef[]) use(ref[0]);

  const usedOnce = (n: string) => uses.get(n) === 1;
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

/** A binary upsampler stage, the conv_hr unit on its output and the float conv to RGB on the unit's. */
export interface FusibleTail {
  /** The stage's and the unit's names (their keys in findUnits' map). */
  stage: string;
  unit: string;
  /** The conv to RGB. */
  last: tfl.layers.Layer;
}

/**
 * The tails among `units` (findUnits' result), keyed by the conv to RGB's name: a Conv2D whose only input is a
 * residual unit with its LeakyReLU, used only there, whose input is an upsampler stage used only by that unit (its
 * conv and its Add), where tailFusionProblem allows the native pass.
 */
export function findTails(model: tfl.LayersModel, entries: PyDict[], outputs: unknown, units: Map<string, FusibleUnit>): Map<string, FusibleTail> {
  const readers = new Map<string, string[]>();
  for (const e of entries) for (const node of nodesOf(e)) for (const ref of node) readers.set(ref[0], [...(readers.get(ref[0]) ?? []), entryName(e)]);
  for (const ref of (Array.isArray(outputs) ? outputs : []) as InboundRef[]) readers.set(ref[0], [...(readers.get(ref[0]) ?? []), '(model output)']);
  const tails = new Map<string, FusibleTail>();
  for (const e of entries) {
    const src = e.class_name === 'Conv2D' ? soleInput(e) : null;
    const unit = src && src[1] === 0 && src[2] === 0 ? units.get(src[0]) : undefined;
    if (!unit || unit.scale || unit.leakyAlpha === undefined || readers.get(src![0])?.length !== 1) continue;
    const x = (unit.inbound as InboundRef[][] | undefined)?.[0];
    const stageName = x?.length === 1 && x[0][1] === 0 && x[0][2] === 0 ? x[0][0] : undefined;
    const stage = stageName ? units.get(stageName) : undefined;
    if (!stage?.scale) continue;
    const inUnit = new Set([unit.conv.name, ...unit.replaces]);
    if (!(readers.get(stageName!) ?? []).every((r) => inUnit.has(r))) continue;
    const last = model.getLayer(entryName(e));
    if (tailFusionProblem(last, unit.conv.getConfig().filters as number) !== null) continue;
    tails.set(entryName(e), { stage: stageName!, unit: src![0], last });
  }
  return tails;
}
