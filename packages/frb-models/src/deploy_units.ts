// The binary units deployModel fuses: in a model's JSON topology, an SRBConv2D whose output feeds only an RPReLU
// whose output feeds only an Add of it and the conv's own input (FRBC/BBCU's 'bbcu' unit). Each becomes one
// PackedBinaryUnit (@frb/layers) named after the Add, with the conv's inbound node, so every layer downstream of
// the unit keeps its inputs; the conv and RPReLU entries are dropped.
import * as tfl from '@tensorflow/tfjs-layers';
import { RPReLU, SRBConv2D, unitFusionProblem } from '@frb/layers';

type PyDict = { [k: string]: unknown };
/** One inbound tensor of a node in the saved topology: [layer name, node index, tensor index, kwargs]. */
type InboundRef = [string, number, number, unknown?];

export interface FusibleUnit {
  conv: SRBConv2D;
  act: RPReLU;
  /** The conv's inbound nodes (the unit's input), as saved. */
  inbound: unknown;
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
 * output_layers; a conv or RPReLU whose output is also used elsewhere (another layer or a model output) is left
 * unfused, as is a unit that PackedBinaryUnit cannot run (unitFusionProblem).
 */
export function findUnits(model: tfl.LayersModel, entries: PyDict[], outputs: unknown): Map<string, FusibleUnit> {
  const byName = new Map(entries.map((e) => [entryName(e), e]));
  const uses = new Map<string, number>();
  const use = (n: string) => uses.set(n, (uses.get(n) ?? 0) + 1);
  for (const e of entries) for (const node of nodesOf(e)) for (const ref of node) use(ref[0]);
  for (const ref of (Array.isArray(outputs) ? outputs : []) as InboundRef[]) use(ref[0]);

  const units = new Map<string, FusibleUnit>();
  for (const add of entries) {
    const nodes = nodesOf(add);
    if (add.class_name !== 'Add' || nodes.length !== 1 || nodes[0].length !== 2) continue;
    for (const [r, x] of [nodes[0], [...nodes[0]].reverse()]) {
      const actEntry = byName.get(r[0]);
      const c = soleInput(actEntry);
      const convEntry = c ? byName.get(c[0]) : undefined;
      const input = soleInput(convEntry);
      if (!actEntry || !c || !convEntry || !input || !sameTensor(input, x)) continue;
      if (uses.get(r[0]) !== 1 || uses.get(c[0]) !== 1) continue;
      const conv = model.getLayer(c[0]);
      const act = model.getLayer(r[0]);
      if (unitFusionProblem(conv, act) !== null) continue;
      units.set(entryName(add), { conv: conv as SRBConv2D, act: act as RPReLU, inbound: convEntry.inbound_nodes });
      break;
    }
  }
  return units;
}
