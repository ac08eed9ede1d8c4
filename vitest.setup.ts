// Every test file starts on the backend named by FRB_TEST_BACKEND (default: cpu).
// Tests that must hold on both backends switch explicitly with tf.setBackend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerFrbKernels } from '@frb/layers';

// Importing @frb/layers registers only what stock tfjs lacks; tests train on the portable tier (the CLI's least),
// registered after the backends so nothing is registered twice.
registerFrbKernels({ tier: 'portable' });

const wanted = process.env.FRB_TEST_BACKEND ?? 'cpu';
await tf.setBackend(wanted);
await tf.ready();
