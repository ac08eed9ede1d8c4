// Which student block learns from which teacher block. The zoo's twins name the output of residual block i
// `body/block_NN` (SwinIR-style models: `.../rstb_NN`) in both models, so pairing by shared name is automatic.
import type * as tfl from '@tensorflow/tfjs-layers';

type LayersModel = tfl.LayersModel;
type Layer = tfl.layers.Layer;

/** Names of block outputs that are paired automatically when present in both models. */
export const BLOCK_NAME_PATTERN = /(^|\/)(block|rstb)_\d+$/;

/** A student layer name and the teacher layer whose output it is distilled towards. */
export interface BlockPair {
  student: string;
  teacher: string;
}

export type PairSpec = BlockPair | readonly [string, string];

/** All layers of a model, descending into nested models (a layer that itself has `layers`). */
export function allLayers(model: { layers: Layer[] }): Layer[] {
  const out: Layer[] = [];
  const visit = (ls: Layer[]) => {
    for (const l of ls) {
      out.push(l);
      const inner = (l as unknown as { layers?: Layer[] }).layers;
      if (Array.isArray(inner)) visit(inner);
    }
  };
  visit(model.layers);
  return out;
}

/** A layer by name anywhere in the model (nested models included), or a clear error naming model and layer. */
export function findLayer(model: LayersModel, name: string, role = 'model'): Layer {
  const found = allLayers(model).filter((l) => l.name === name);
  if (found.length === 0) {
    throw new Error(`DBT: ${role} '${model.name}' has no layer named '${name}'`);
  }
  return found[0];
}

/** Block names shared by both models, in the student's layer order. */
export function autoPairs(student: LayersModel, teacher: LayersModel): BlockPair[] {
  const teacherNames = new Set(allLayers(teacher).map((l) => l.name));
  const pairs: BlockPair[] = [];
  const seen = new Set<string>();
  for (const l of allLayers(student)) {
    if (BLOCK_NAME_PATTERN.test(l.name) && teacherNames.has(l.name) && !seen.has(l.name)) {
      seen.add(l.name);
      pairs.push({ student: l.name, teacher: l.name });
    }
  }
  if (pairs.length === 0) {
    throw new Error(`DBT: no block names matching ${BLOCK_NAME_PATTERN} are shared by student '${student.name}' and ` +
      `teacher '${teacher.name}'; pass explicit pairs: [{student: 'layerA', teacher: 'layerB'}, ...]`);
  }
  return pairs;
}

/** Output shape of a layer without the batch axis; null where unknown (fully convolutional models). */
export function layerOutputShape(layer: Layer, role: string): (number | null)[] {
  let shape: unknown;
  try {
    shape = layer.outputShape;
  } catch (e) {
    throw new Error(`DBT: cannot read the output shape of ${role} layer '${layer.name}' (is it called more than ` +
      `once in the model?): ${(e as Error).message}`);
  }
  if (!Array.isArray(shape) || (shape.length > 0 && Array.isArray(shape[0]))) {
    throw new Error(`DBT: ${role} layer '${layer.name}' must have exactly one output to be distilled`);
  }
  return (shape as (number | null)[]).slice(1);
}

/**
 * Resolves explicit or automatic pairs and checks them: every layer exists, and the output shapes agree
 * wherever both are known (unknown spatial sizes are checked again on the first batch).
 */
export function resolvePairs(student: LayersModel, teacher: LayersModel, pairs?: readonly PairSpec[]): BlockPair[] {
  let resolved: BlockPair[];
  if (pairs === undefined) {
    resolved = autoPairs(student, teacher);
  } else {
    if (!Array.isArray(pairs) || pairs.length === 0) {
      throw new Error('DBT: `pairs` must be a non-empty list of {student, teacher} layer names (or omitted for ' +
        'automatic pairing)');
    }
    resolved = pairs.map((p, i) => {
      const pair = Array.isArray(p) ? { student: p[0], teacher: p[1] } : (p as BlockPair);
      if (typeof pair.student !== 'string' || typeof pair.teacher !== 'string') {
        throw new Error(`DBT: pairs[${i}] must name a student and a teacher layer, got ${JSON.stringify(p)}`);
      }
      return { student: pair.student, teacher: pair.teacher };
    });
  }
  const seen = new Set<string>();
  for (const p of resolved) {
    if (seen.has(p.student)) throw new Error(`DBT: student layer '${p.student}' is paired more than once`);
    seen.add(p.student);
    const s = layerOutputShape(findLayer(student, p.student, 'student'), 'student');
    const t = layerOutputShape(findLayer(teacher, p.teacher, 'teacher'), 'teacher');
    const agree = s.length === t.length && s.every((d, i) => d === null || t[i] === null || d === t[i]);
    if (!agree) {
      throw new Error(`DBT: output shapes differ for student layer '${p.student}' [${fmt(s)}] and teacher layer ` +
        `'${p.teacher}' [${fmt(t)}]`);
    }
  }
  return resolved;
}

function fmt(shape: (number | null)[]): string {
  return ['N', ...shape.map((d) => (d === null ? '?' : String(d)))].join(', ');
}
