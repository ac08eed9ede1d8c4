import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { SRBConv2D, srbBinarize, srbConv2d, sign } from '@frb/layers';
import { expectClose, expectMixedMask, rand } from './helpers.js';

/** Builds the layer on `x` and sets kernel (and threshold) to the given values. */
function makeLayer(args: ConstructorParameters<typeof SRBConv2D>[0], x: tf.Tensor, kernel: tf.Tensor, threshold?: tf.Tensor): SRBConv2D {
  const layer = srbConv2d(args);
  layer.build(x.shape);
  const weights = [kernel];
  if (layer.getWeights().length > weights.length && args.useBias) weights.push(rand([args.filters as number], 99));
  if (layer.threshold) weights.push(threshold ?? rand([x.shape[3] as number], 98, 0.3));
  layer.setWeights(weights);
  return layer;
}

const cases = [
  { name: '3x3 same', kernelSize: 3, strides: 1, padding: 'same' as const, dilationRate: 1, x: [2, 5, 7, 3], filters: 4 },
  { name: '3x2 valid stride 2', kernelSize: [3, 2] as [number, number], strides: 2, padding: 'valid' as const, dilationRate: 1, x: [1, 7, 6, 2], filters: 3 },
  { name: '3x3 same dilation 2', kernelSize: 3, strides: 1, padding: 'same' as const, dilationRate: 2, x: [2, 6, 5, 3], filters: 2 },
  { name: '1x1', kernelSize: 1, strides: 1, padding: 'valid' as const, dilationRate: 1, x: [1, 3, 3, 5], filters: 5 },
];

describe('SRBConv2D forward = tf.conv2d(sign(x + b), Ŵ)', () => {
  for (const c of cases) {
    for (const order of [1, 2]) {
      it(`${c.name}, order ${order}`, () => {
        const x = rand(c.x, 1);
        const ks = typeof c.kernelSize === 'number' ? [c.kernelSize, c.kernelSize] : c.kernelSize;
        const kernel = rand([ks[0], ks[1], c.x[3], c.filters], 2, 0.5);
        const b = rand([c.x[3]], 3, 0.3);
        const layer = makeLayer({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, dilationRate: c.dilationRate, order }, x, kernel, b);
        const y = layer.apply(x) as tf.Tensor;
        const expected = tf.conv2d(sign(tf.add(x, b)) as tf.Tensor4D, srbBinarize(kernel, { order }) as tf.Tensor4D,
          c.strides, c.padding, 'NHWC', c.dilationRate);
        expectClose(y, expected);
        expect(y.shape).toEqual(layer.computeOutputShape(c.x));
      });
    }
  }

  it('order 1 = conv with α·sign(W̃); bias and activation apply after', () => {
    const x = rand([1, 4, 4, 2], 4);
    const kernel = rand([3, 3, 2, 3], 5);
    const layer = srbConv2d({ filters: 3, kernelSize: 3, padding: 'same', order: 1, useBias: true, activation: 'relu' });
    layer.build(x.shape);
    const bias = rand([3], 6);
    layer.setWeights([kernel, bias, tf.zeros([2])]);
    const wt = tf.sub(kernel, tf.mean(kernel, [0, 1, 2], true));
    const what = tf.mul(tf.mean(tf.abs(wt), [0, 1, 2], true), sign(wt));
    const expected = tf.relu(tf.add(tf.conv2d(sign(x) as tf.Tensor4D, what as tf.Tensor4D, 1, 'same'), bias));
    expectClose(layer.apply(x) as tf.Tensor, expected);
  });

  it('inputQuantizer null keeps full-precision inputs and owns no threshold', () => {
    const x = rand([1, 4, 4, 2], 7);
    const kernel = rand([3, 3, 2, 2], 8);
    const layer = makeLayer({ filters: 2, kernelSize: 3, padding: 'same', inputQuantizer: null }, x, kernel);
    expect(layer.threshold).toBeNull();
    expect(layer.getWeights()).toHaveLength(1);
    expectClose(layer.apply(x) as tf.Tensor, tf.conv2d(x as tf.Tensor4D, srbBinarize(kernel) as tf.Tensor4D, 1, 'same'));
  });

  it('defaults: order 2, centering, scaling, approxSign, learnable threshold, no bias', () => {
    const layer = srbConv2d({ filters: 2, kernelSize: 3 });
    expect(layer.binary).toEqual({ order: 2, centerWeights: true, scaleWeights: true, inputQuantizer: 'approxSign', learnableThreshold: true });
    layer.build([null, 5, 5, 3]);
    expect(layer.weights.map((w) => w.originalName.split('/').pop())).toEqual(['kernel', 'threshold']);
    expect(layer.threshold!.shape).toEqual([3]);
    expect(layer instanceof tfl.layers.Layer).toBe(true);
  });
});

describe('SRBConv2D gradients equal the analytic surrogate', () => {
  it('w.r.t. input, latent kernel and threshold (element-wise)', () => {
    const x = rand([2, 5, 6, 3], 11);
    const kernel = rand([3, 3, 3, 4], 12, 1.6);
    const b = rand([3], 13, 0.3);
    const g = rand([2, 3, 3, 4], 14); // output of stride 2 'same'
    const layer = makeLayer({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' }, x, kernel, b);
    const loss = () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, g)) as tf.Scalar;

    // Gradients through the layer (custom surrogates).
    const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, g)))(x);
    const kernelVar = layer.latentKernel!.read() as tf.Variable;
    const thresholdVar = layer.threshold!.read() as tf.Variable;
    const { grads } = tf.variableGrads(loss, [kernelVar, thresholdVar]);
    const [gKernel, gThreshold] = [grads[kernelVar.name], grads[thresholdVar.name]];

    // Analytic: plain conv gradients at the binarized point, times the surrogate derivatives.
    const xb = sign(tf.add(x, b)) as tf.Tensor4D;
    const what = srbBinarize(kernel) as tf.Tensor4D;
    const conv = (a: tf.Tensor, w: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 2, 'same');
    const dXb = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv(a, what), g)))(xb);
    const dW = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(conv(xb, w), g)))(what);
    const xs = tf.add(x, b);
    const approxSignGrad = tf.relu(tf.sub(2, tf.mul(2, tf.abs(xs))));
    const expectedGx = tf.mul(dXb, approxSignGrad);
    expectClose(gx, expectedGx);
    expectClose(gThreshold, tf.sum(expectedGx, [0, 1, 2]));

    const axes = [0, 1, 2];
    const wt = tf.sub(kernel, tf.mean(kernel, axes, true));
    const m1 = tf.cast(tf.lessEqual(tf.abs(wt), 1), 'float32');
    const r = tf.sub(wt, tf.mul(tf.mean(tf.abs(wt), axes, true), sign(wt)));
    const m2 = tf.cast(tf.lessEqual(tf.abs(r), 1), 'float32');
    expectMixedMask(m1);
    expectMixedMask(m2);
    const gt = tf.mul(dW, tf.add(m1, tf.mul(m2, tf.sub(1, m1))));
    expectClose(gKernel, tf.sub(gt, tf.mean(gt, axes, true)));
  });
});

describe('SRBConv2D bad input', () => {
  it('names the layer on wrong input rank', () => {
    const layer = srbConv2d({ filters: 2, kernelSize: 3, name: 'body_conv' });
    expect(() => layer.apply(tf.ones([4, 4, 3]))).toThrow(/SRBConv2D 'body_conv'.*rank-4/);
    expect(() => layer.build([null, 4, 3])).toThrow(/SRBConv2D 'body_conv'.*rank-4/);
  });
  it('rejects order < 1, unknown quantizers and channelsFirst, naming the layer', () => {
    expect(() => srbConv2d({ filters: 2, kernelSize: 3, order: 0, name: 'c0' })).toThrow(/SRBConv2D 'c0': order must be an integer >= 1/);
    expect(() => srbConv2d({ filters: 2, kernelSize: 3, scaleWeights: false, name: 'c1' })).toThrow(/SRBConv2D 'c1'.*requires order 1/);
    expect(() => srbConv2d({ filters: 2, kernelSize: 3, inputQuantizer: 'nope' as never, name: 'c2' })).toThrow(/SRBConv2D 'c2' \(inputQuantizer\): unknown quantizer 'nope'/);
    expect(() => srbConv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'c3' })).toThrow(/SRBConv2D 'c3'.*channelsLast/);
    expect(() => srbConv2d({ filters: 0, kernelSize: 3, name: 'c4' })).toThrow(/SRBConv2D 'c4': filters must be a positive integer/);
    expect(() => srbConv2d({ filters: 2, kernelSize: [3, 3, 3], name: 'c5' })).toThrow(/SRBConv2D 'c5': kernelSize/);
    expect(() => srbConv2d({ filters: 2, kernelSize: 3, padding: 'causal', name: 'c6' })).toThrow(/SRBConv2D 'c6': padding/);
  });
});

describe('SRBConv2D.decompose', () => {
  it('returns the bases and α of the layer kernel, summing to the Ŵ it convolves with', () => {
    const layer = srbConv2d({ filters: 3, kernelSize: 3, order: 2, name: 'dec' });
    expect(() => layer.decompose()).toThrow(/SRBConv2D 'dec': decompose\(\) needs a built layer/);
    layer.build([null, 5, 5, 2]);
    const d = layer.decompose();
    expect(d.signs).toHaveLength(2);
    const sum = tf.add(tf.mul(d.alphas[0], d.signs[0]), tf.mul(d.alphas[1], d.signs[1]));
    expectClose(sum, srbBinarize(layer.latentKernel!.read(), { order: 2 }));
  });
});

describe('SRBConv2D config', () => {
  it('getConfig round-trips through fromConfig, including snake_case strings from saved models', () => {
    const layer = srbConv2d({ filters: 3, kernelSize: [3, 1], strides: 1, padding: 'same', order: 3, centerWeights: false, inputQuantizer: 'ste_sign', useBias: true, name: 'rt' });
    const config = layer.getConfig();
    expect(config).toMatchObject({ filters: 3, kernelSize: [3, 1], order: 3, centerWeights: false, scaleWeights: true, inputQuantizer: 'steSign', learnableThreshold: true, useBias: true });
    // fromConfig deserializes nested initializer dicts in place, so hand it a copy.
    const copy = SRBConv2D.fromConfig(SRBConv2D, structuredClone(config)) as SRBConv2D;
    expect(copy).toBeInstanceOf(SRBConv2D);
    expect(copy.getConfig()).toEqual(config);
    const snake = SRBConv2D.fromConfig(SRBConv2D, { ...structuredClone(config), inputQuantizer: 'approx_sign' }) as SRBConv2D;
    expect(snake.binary.inputQuantizer).toBe('approxSign');
    expect(SRBConv2D.className).toBe('SRBConv2D');
  });

  it('survives a model JSON round trip (tfjs snake-cases keys and string values when saving)', async () => {
    const model = tfl.sequential({ layers: [srbConv2d({ inputShape: [4, 4, 2], filters: 2, kernelSize: 3, inputQuantizer: 'steSign', order: 1, name: 'json_rt' })] });
    const json = model.toJSON(null, false) as { config: { layers: { config: Record<string, unknown> }[] } };
    expect(json.config.layers[0].config.input_quantizer).toBe('ste_sign');
    const loaded = await tfl.models.modelFromJSON(json as never);
    const layer = loaded.getLayer('json_rt') as SRBConv2D;
    expect(layer).toBeInstanceOf(SRBConv2D);
    expect(layer.getConfig()).toEqual(model.getLayer('json_rt').getConfig());
  });
});

describe('SRBConv2D on cpu and wasm', () => {
  /** Output and latent-kernel / threshold / input gradients on the named backend. */
  async function run(backend: string) {
    const previous = tf.getBackend();
    await tf.setBackend(backend);
    try {
      const x = rand([2, 7, 6, 3], 31);
      const g = rand([2, 4, 3, 5], 32);
      const layer = makeLayer({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', dilationRate: 1, order: 2 }, x, rand([3, 3, 3, 5], 33, 1.2), rand([3], 34, 0.3));
      const vars = [layer.latentKernel!.read() as tf.Variable, layer.threshold!.read() as tf.Variable];
      const f = () => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, g)) as tf.Scalar;
      const { grads } = tf.variableGrads(f, vars);
      const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, g)))(x);
      return {
        y: Array.from((layer.apply(x) as tf.Tensor).dataSync()),
        gKernel: Array.from(grads[vars[0].name].dataSync()),
        gThreshold: Array.from(grads[vars[1].name].dataSync()),
        gx: Array.from(gx.dataSync()),
      };
    } finally {
      await tf.setBackend(previous);
    }
  }

  it('gives the same output and gradients on both backends', async () => {
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expectClose(wasm.y, cpu.y, 1e-5, 1e-4);
    expectClose(wasm.gx, cpu.gx, 1e-5, 1e-4);
    expectClose(wasm.gKernel, cpu.gKernel, 1e-5, 1e-4);
    expectClose(wasm.gThreshold, cpu.gThreshold, 1e-5, 1e-4);
  });
});
