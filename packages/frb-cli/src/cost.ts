// Params / OPs of a model as the binary-SR tables count them (binarySummary of @frb/layers), on the
// tables' 320x180 LR input.
import type * as tfl from '@tensorflow/tfjs-layers';
import { binarySummary } from '@frb/layers';
import type { Cost } from '@frb/bench';

/** LR input of the OPs column of the papers' tables: 320x180 (width x height). */
export const COST_INPUT: [number, number] = [180, 320];

export function modelCost(model: tfl.LayersModel, input: [number, number] = COST_INPUT, channels = 3): Cost {
  const s = binarySummary(model, { inputShape: [input[0], input[1], channels] });
  return { params: s.totals.params, ops: s.totals.ops };
}
