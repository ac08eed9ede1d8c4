// The shipped weights load and compute what they did before SRBConv2D / SRBDense shared one base: createModel with
// each pinned set is checked against fixtures/zoo-compat.json (recorded by fixtures/record-zoo-compat.ts).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { zooRecords, type ZooRecord } from './zoo-compat.js';

const record = JSON.parse(readFileSync(new URL('./fixtures/zoo-compat.json', import.meta.url), 'utf8')) as { sets: ZooRecord[] };

// The record was made on cpu. Other backends sum convs in another order, and through the 1-bit body a near-zero
// activation can take the other sign (wasm: up to 2.5e-4 measured), so they get a looser bound.
const exact = tf.getBackend() === 'cpu';
const crossBackendTol = 1e-3;

function expectValues(what: string, got: number[], want: number[], tol: number): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst, what).toBeLessThanOrEqual(tol);
}

describe('shipped weight sets against the recorded outputs', () => {
  it('every set loads with the recorded SRB configs and weights, and gives the recorded float and packed outputs', async () => {
    const before = tf.memory().numTensors;
    // Every recorded set is still shipped; sets pinned after the record have nothing to be compatible with.
    const key = (s: { model: string; scale: number; name: string }) => `${s.model} x${s.scale} ${s.name}`;
    const all = await zooRecords();
    const now = record.sets.map((want) => all.find((s) => key(s) === key(want)));
    expect(now.map((s, i) => s ? key(s) : `missing: ${key(record.sets[i]!)}`)).toEqual(record.sets.map(key));
    (now as ZooRecord[]).forEach((s, i) => {
      const want = record.sets[i]!;
      expect(s.srbLayers.length).toBeGreaterThan(0);
      expect(s.srbLayers).toEqual(want.srbLayers);
      const set = `${s.model} x${s.scale} ${s.name}`;
      if (exact) expect(s.output, `${set} float`).toEqual(want.output);
      else expectValues(`${set} float`, s.output, want.output, crossBackendTol);
      // The packed kernels differ by tier (JS, wasm, native) in summation order, not in what they compute.
      expectValues(`${set} packed`, s.packedOutput, want.packedOutput, exact ? 1e-5 : crossBackendTol);
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
