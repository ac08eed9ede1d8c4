// Size of L_dis per attention form between untrained zoo twins (frbc student, srresnet teacher, independent
// random inits, unseeded: values vary by a few hundredths run to run), to put the provisional DBT weight in proportion. Inputs are uniform noise, so only the order
// of magnitude means anything; the training issue's reduced-scale experiment picks the real defaults.
//   npx tsx --tsconfig tsconfig.json packages/frb-distill/bench/ldis-scale.ts
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@frb/layers';
import { createModel } from '@frb/models';
import { attentionLoss, autoPairs, blockOutputModel, runBlocks } from '@frb/distill';

await tf.setBackend('cpu');
for (const [features, blocks] of [[16, 4], [64, 16]]) {
  const student = createModel('frbc', { scale: 2, features, blocks });
  const teacher = createModel('srresnet', { scale: 2, features, blocks });
  const names = autoPairs(student, teacher).map((p) => p.student);
  const x = tf.randomUniform([2, 24, 24, 3], 0, 1, 'float32', 5);
  const s = runBlocks(blockOutputModel(student, names), x);
  const t = runBlocks(blockOutputModel(teacher, names), x);
  const line = (['spatial', 'elementwise'] as const)
    .map((form) => `${form} L_dis ${tf.tidy(() => attentionLoss(s, t, form).dataSync()[0]).toFixed(4)}`).join(', ');
  console.log(`features ${features}, blocks ${blocks}, 2x24x24 noise: ${line}`);
  tf.dispose([x, ...s, ...t]);
}
