import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
describe('smoke', () => { it('runs', () => { expect(tf.getBackend()).toBe('cpu'); expect(tf.add(1, 2).arraySync()).toBe(3); }); });
