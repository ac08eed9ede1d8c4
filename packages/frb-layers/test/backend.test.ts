import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { getNativeStatus, initBackend } from '../src/backend.js';
import { isFrbKernel } from '../src/kernels/index.js';

const initial = process.env.FRB_TEST_BACKEND ?? 'cpu';

afterEach(async () => {
  delete process.env.FRB_BACKEND;
  await tf.setBackend(initial);
});

describe('initBackend', () => {
  it("'auto' picks wasm here (tfjs-node is not installed) and our gradient kernels are active on it", async () => {
    delete process.env.FRB_BACKEND;
    expect(await initBackend()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(isFrbKernel(tf.Conv2DBackpropFilter, 'wasm')).toBe(true);
    // it says which tier it registered: native where the module builds, else portable
    const { active, registration } = getNativeStatus();
    expect(registration?.tier).toBe(active ? 'native' : 'portable');
    expect(registration?.kernels.wasm).toContain(tf.Conv2DBackpropInput);
    // a real op on the chosen backend
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, 'same')));
    const dx = g(tf.ones([1, 4, 4, 2]));
    // centre pixels see all 9 taps, corners 4
    expect(dx.dataSync()[0]).toBe(4);
    expect(dx.dataSync()[(1 * 4 + 1) * 2]).toBe(9);
  });

  it("'cpu' selects the cpu backend", async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it("'tensorflow' throws saying what to install", async () => {
    await expect(initBackend('tensorflow')).rejects.toThrow(/initBackend\('tensorflow'\).*npm install @tensorflow\/tfjs-node/);
  });

  it('FRB_BACKEND overrides the argument, and a bad value is named', async () => {
    process.env.FRB_BACKEND = 'cpu';
    expect(await initBackend('wasm')).toBe('cpu');
    process.env.FRB_BACKEND = 'webgpu';
    await expect(initBackend()).rejects.toThrow(/FRB_BACKEND="webgpu".*auto, tensorflow, wasm, cpu/);
  });

  it('rejects an unknown preference by name', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(/preference "gpu"/);
  });
});
