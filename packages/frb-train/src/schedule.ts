// Learning-rate schedules as BasicSR computes them (MultiStepRestartLR without restarts, and
// CosineAnnealingRestartLR), as a pure function of the iteration so a resumed run needs no scheduler state.
// Iterations are 1-based like BasicSR's `current_iter`: the scheduler steps before the optimizer, so the
// iteration that equals a milestone already uses the decayed rate.
import type { SchedulerConfig } from './config.js';

/** Learning rate of 1-based iteration `iter` for base rate `base`. */
export function learningRateAt(s: SchedulerConfig, base: number, iter: number): number {
  if (!Number.isInteger(iter) || iter < 1) throw new Error(`learningRateAt: iteration must be an integer >= 1, got ${iter}`);
  if (s.type === 'none') return base;
  if (s.type === 'multistep') {
    let lr = base;
    for (const m of s.milestones) if (iter >= m) lr *= s.gamma;
    return lr;
  }
  // Cosine with restarts: period k covers (cum[k-1], cum[k]]; past the last period the rate stays at eta_min.
  let start = 0;
  for (let k = 0; k < s.periods.length; k++) {
    const end = start + s.periods[k]!;
    if (iter <= end) {
      const w = s.restartWeights[k]!;
      return s.etaMin + w * 0.5 * (base - s.etaMin) * (1 + Math.cos(Math.PI * ((iter - start) / s.periods[k]!)));
    }
    start = end;
  }
  return s.etaMin;
}
