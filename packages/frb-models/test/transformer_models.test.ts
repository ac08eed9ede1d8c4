import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { buildSwinIRS, buildFRBT, createModel, listModels, padToMultiple, type SwinIROptions } from '@frb/models';

const TINY: SwinIROptions = { embedDim: 8, blocks: 2, depth: 2, numHeads: 2, windowSize: 4, scale: 2 };

/** SwinIR-S weights counted by hand from the PyTorch module definitions. */
function swinirParams(scale: number, withBiasTables: boolean): number {
  const C = 60, win = 8, heads = 6, hidden = 2 * C, layers = 4 * 6;
  const conv = (cin: number, cout: number) => cin * cout * 9 + cout;
  const lin = (cin: number, cout: number) => cin * cout + cout;
  const ln = 2 * C;
  const swinLayer = ln + lin(C, 3 * C) + lin(C, C) + ln + lin(C, hidden) + lin(hidden, C) + (withBiasTables ? (2 * win - 1) ** 2 * heads : 0);
  return conv(3, C) /* conv_first */ + ln /* patch_embed.norm */ + layers * swinLayer + 4 * conv(C, C) /* RSTB convs */
    + ln /* norm */ + conv(C, C) /* conv_after_body */ + conv(C, 3 * scale * scale) /* upsample */;
}

describe('SwinIR-S', () => {
  it('has the hand-counted parameter count (SwinIR reports 897K at x4, 878K at x2, without bias tables)', () => {
    expect(swinirParams(4, true)).toBe(929_628);
    expect(swinirParams(4, false)).toBe(897_228);
    expect(swinirParams(2, false)).toBe(877_752);
    for (const scale of [4, 2]) {
      const m = buildSwinIRS({ scale });
      expect(m.countParams()).toBe(swinirParams(scale, true));
      const tables = m.weights.filter((w) => w.originalName.endsWith('relative_position_bias_table'));
      expect(tables.length).toBe(24);
      expect(m.countParams() - tables.reduce((a, w) => a + w.shape.reduce((p, d) => p! * d!, 1)!, 0)).toBe(swinirParams(scale, false));
      m.dispose();
    }
    // FRBT-x4: the same weights plus one RSign threshold per binary-Linear input channel (60+60+60+120 per layer)
    const frbt = buildFRBT({ scale: 4 });
    expect(frbt.countParams()).toBe(swinirParams(4, true) + 24 * (60 + 60 + 60 + 120));
    frbt.dispose();
  });

  it('names the RSTB outputs body/rstb_i and keeps them through save/load', async () => {
    const m = buildSwinIRS(TINY);
    expect(m.getLayer('body/rstb_0').outputShape).toEqual([null, null, null, 8]);
    expect(m.getLayer('body/rstb_1')).toBeDefined();
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.getLayer('body/rstb_1').name).toBe('body/rstb_1');
    const x = tf.randomUniform([1, 6, 9, 3], 0, 1, 'float32', 1);
    const a = m.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    m.dispose();
    loaded.dispose();
  });

  it('crops odd-sized outputs to H·s × W·s, equal to running on the padded image and cropping', () => {
    const m = buildSwinIRS(TINY);
    const x = tf.randomUniform([2, 5, 7, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const y = m.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([2, 10, 14, 3]);
      y.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const y = m.predict(x) as tf.Tensor;
    const padded = padToMultiple(x, 4);
    const yp = m.predict(padded) as tf.Tensor;
    expect(yp.shape).toEqual([2, 16, 16, 3]);
    const crop = tf.slice(yp, [0, 0, 0, 0], [-1, 10, 14, -1]);
    expect(Array.from(y.dataSync())).toEqual(Array.from(crop.dataSync()));
    tf.dispose([x, y, padded, yp, crop]);
    m.dispose();
  });
});

async function fitLowersLoss(m: tfl.LayersModel): Promise<[number, number]> {
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 5);
  const y = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 6);
  m.compile({ optimizer: tf.train.adam(2e-3), loss: 'meanAbsoluteError' });
  const first = (await m.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 })).history.loss[0] as number;
  const before = tf.memory().numTensors;
  const h = await m.fit(x, y, { epochs: 6, batchSize: 2, verbose: 0 });
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, y]);
  return [first, h.history.loss[h.history.loss.length - 1] as number];
}

describe('FRBT', () => {
  it('replaces qkv, proj, fc1 and fc2 with SRBDense and keeps the rest full precision', () => {
    const m = buildFRBT(TINY);
    const byClass = (c: string) => m.layers.filter((l) => l.getClassName() === c).map((l) => l.name);
    const srb = byClass('SRBDense');
    expect(srb.length).toBe(2 * 2 * 4);
    expect(srb).toContain('body/rstb_1/layer_1/attn/qkv');
    expect(srb).toContain('body/rstb_0/layer_0/mlp/fc2');
    expect(byClass('Dense')).toEqual([]);
    // identity shortcut on proj (widths match), repeat / average shortcuts elsewhere
    expect(m.getLayer('body/rstb_0/layer_0/attn/proj_residual')).toBeDefined();
    expect(m.getLayer('body/rstb_0/layer_0/attn/qkv_residual').getClassName()).toBe('ShortcutAdd');
    expect(byClass('Conv2D')).toEqual(['conv_first', 'body/rstb_0/conv', 'body/rstb_1/conv', 'conv_after_body', 'upsample/conv']);
    expect(m.getLayer('body/rstb_0').outputShape).toEqual([null, null, null, 8]);
    const none = buildFRBT({ ...TINY, shortcut: 'none' });
    expect(none.layers.some((l) => l.name.endsWith('_residual') && l.name.includes('/attn/'))).toBe(false);
    m.dispose();
    none.dispose();
  });

  it('carries every SwinIR-S weight under the same name and shape (FP twin weights map by name)', () => {
    const fp = buildSwinIRS(TINY);
    const bin = buildFRBT(TINY);
    const binShapes = new Map(bin.weights.map((w) => [w.originalName, w.shape.join('x')]));
    for (const w of fp.weights) expect(binShapes.get(w.originalName)).toBe(w.shape.join('x'));
    const extra = bin.weights.map((w) => w.originalName).filter((n) => !fp.weights.some((f) => f.originalName === n));
    expect(extra.length).toBe(2 * 2 * 4);
    expect(extra.every((n) => n.endsWith('/threshold'))).toBe(true);
    fp.dispose();
    bin.dispose();
  });

  it('wires the shortcuts: proj gets x, qkv gets x repeated 3 times, fc2 gets the group mean of its input', () => {
    const m = buildFRBT(TINY);
    const p = 'body/rstb_0/layer_1';
    const names = [`${p}/norm1`, `${p}/attn/qkv`, `${p}/attn/qkv_residual`, `${p}/attn`, `${p}/attn/proj`, `${p}/attn/proj_residual`,
      `${p}/mlp/gelu`, `${p}/mlp/fc2`, `${p}/mlp/fc2_residual`];
    const probe = tfl.model({ inputs: m.inputs, outputs: names.map((n) => m.getLayer(n).output as tfl.SymbolicTensor) });
    const x = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 21);
    const [ln1, qkv, qkvRes, att, proj, projRes, gelu, fc2, fc2Res] = probe.predict(x) as tf.Tensor[];
    const close = (a: tf.Tensor, b: tf.Tensor) => {
      expect(a.shape).toEqual(b.shape);
      const d = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
      expect(d).toBeLessThan(1e-5);
    };
    close(projRes, tf.add(proj, att));
    close(qkvRes, tf.add(qkv, tf.concat([ln1, ln1, ln1], 2)));
    const [g1, g2] = tf.split(gelu, 2, 2);
    close(fc2Res, tf.add(fc2, tf.div(tf.add(g1, g2), 2)));
    m.dispose();
  });

  it('a few fit steps lower the L1 loss (FRBT and SwinIR-S), without leaking tensors', async () => {
    for (const build of [buildFRBT, buildSwinIRS]) {
      const m = build(TINY);
      const [first, last] = await fitLowersLoss(m);
      expect(last).toBeLessThan(first);
      m.dispose();
    }
  });

  it('save/load round trip reproduces outputs exactly, with weights and SRB options intact', async () => {
    const m = buildFRBT({ ...TINY, binary: { order: 1 } });
    // move the weights away from their init so the check is not trivially about fresh initializers
    m.compile({ optimizer: tf.train.adam(1e-2), loss: 'meanAbsoluteError' });
    const xt = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 8);
    const yt = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 9);
    await m.fit(xt, yt, { epochs: 1, verbose: 0 });
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const qkv = loaded.getLayer('body/rstb_0/layer_1/attn/qkv');
    expect(qkv.getClassName()).toBe('SRBDense');
    expect(qkv.getConfig().order).toBe(1);
    expect(loaded.countParams()).toBe(m.countParams());
    const x = tf.randomUniform([1, 7, 5, 3], 0, 1, 'float32', 10);
    const a = m.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(b.shape).toEqual([1, 14, 10, 3]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([xt, yt, x, a, b]);
    m.dispose();
    loaded.dispose();
  });
});

describe('registry', () => {
  it('registers swinir-s and frbt (frbt names swinir-s as its FP twin)', () => {
    const names = listModels().map((m) => m.name);
    expect(names).toContain('swinir-s');
    expect(names).toContain('frbt');
    expect(listModels().find((m) => m.name === 'frbt')?.fpTwin).toBe('swinir-s');
    const { embedDim: _e, ...noDim } = TINY;
    const m = createModel('frbt', { ...noDim, features: 8 });
    expect(m.name).toBe('frbt_x2');
    expect(m.getLayer('conv_first').getWeights()[0].shape).toEqual([3, 3, 3, 8]);
    m.dispose();
    expect(() => createModel('swinir-s', { ...TINY, numHeads: 3 })).toThrow(/embedDim 8 must be divisible by numHeads 3/);
    expect(() => createModel('swinir-s', { ...TINY, shortcut: 'none' })).toThrow(/unknown option 'shortcut'/);
  });
});
