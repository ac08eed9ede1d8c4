// What the srb-compat record keeps of each shipped weight set: the SRB layers' configs and weight names/shapes and
// the float and packed outputs on a fixed input. Shared by the recorder and zoo_compat.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { PRETRAINED, createModel, deployModel } from '@frb/models';

/** A smooth input with no RNG, so the record does not depend on a backend's random generator. */
export function zooInput(): tf.Tensor4D {
  const shape: [number, number, number, number] = [1, 6, 5, 3];
  return tf.tensor4d(Array.from({ length: 90 }, (_, i) => 0.5 + 0.45 * Math.sin(0.61 * i)), shape);
}

export interface ZooRecord {
  model: string;
  scale: number;
  name: string;
  srbLayers: { name: string; className: string; config: unknown; weights: [string, number[]][] }[];
  output: number[];
  packedOutput: number[];
}

function srbLayers(model: tfl.LayersModel): ZooRecord['srbLayers'] {
  return model.layers.filter((l) => l.getClassName().startsWith('SRB')).map((l) => ({
    name: l.name,
    className: l.getClassName(),
    config: JSON.parse(JSON.stringify(l.getConfig())),
    weights: l.weights.map((w) => [w.originalName, [...w.shape]] as [string, number[]]),
  }));
}

/** Loads every shipped set through createModel (as users do) and records it. */
export async function zooRecords(): Promise<ZooRecord[]> {
  const out: ZooRecord[] = [];
  for (const p of PRETRAINED) {
    const model = await createModel(p.model, { scale: p.scale, weights: p.name });
    const packed = await deployModel(model);
    const x = zooInput();
    const [y, yp] = [model.predict(x) as tf.Tensor, packed.predict(x) as tf.Tensor];
    out.push({
      model: p.model, scale: p.scale, name: p.name, srbLayers: srbLayers(model),
      output: Array.from(y.dataSync()), packedOutput: Array.from(yp.dataSync()),
    });
    tf.dispose([x, y, yp]);
    model.dispose();
    packed.dispose();
  }
  return out;
}
