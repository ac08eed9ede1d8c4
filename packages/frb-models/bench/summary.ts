// Params / OPs of the model zoo (conv models, SwinIR-S, FRBT) in the binary-SR papers' convention
// (binary params / 32, binary MACs / 64), on a 320x180 LR input, via @frb/layers' binarySummary.
//   npx tsx --tsconfig tsconfig.json packages/frb-models/bench/summary.ts [--scales 2,4] [--models swinir-s,frbt]
// SwinIR-S / FRBT run on the image padded to a multiple of the window (180 -> 184 rows), and their MACs include
// the attention matmuls QKᵀ and A·V (full precision in both).
import '@tensorflow/tfjs-backend-cpu';
import { binarySummary } from '@frb/layers';
import { createModel } from '@frb/models';

const i = process.argv.indexOf('--scales');
const scales = (i >= 0 ? process.argv[i + 1] : '2,3,4').split(',').map(Number);
const j = process.argv.indexOf('--models');
const models = j >= 0 ? process.argv[j + 1].split(',')
  : ['srresnet', 'frbc', 'frbc-m', 'frbc-o1', 'bbcu-l', 'srresnet-reactnet', 'srresnet-bireal', 'srresnet-xnor', 'srresnet-bnn', 'swinir-s', 'frbt'];

console.log('| model | scale | OPs (G) | Params (K) | FP MACs (G) | binary MACs (G) | FP params | binary params | per-channel scalars | memory (KiB) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const scale of scales) {
  for (const name of models) {
    const m = createModel(name, { scale });
    const t = binarySummary(m, { inputShape: [180, 320, 3] }).totals;
    console.log(`| ${name} | x${scale} | ${(t.ops / 1e9).toFixed(2)} | ${(t.params / 1e3).toFixed(1)} | ${(t.fpMacs / 1e9).toFixed(2)} | ${(t.binaryMacs / 1e9).toFixed(2)} | ${t.fpParams} | ${t.binaryParams} | ${t.scalars} | ${(t.memoryBytes / 1024).toFixed(1)} |`);
    m.dispose();
  }
}
