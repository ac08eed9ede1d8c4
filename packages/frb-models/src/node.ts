// @frb/models/node: the Node-only entry. Importing it also loads the main entry, which registers this package's
// layer classes (PixelShuffle, BilinearUpsample, ConstantScale, the transformer layers) and @frb/layers' SRB layers
// with tfjs' serializer, so models saved to disk load back without tfjs-node.
import './index.js';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setPretrainedFileReader } from './pretrained.js';

export { saveModel, saveModelAtomic, ModelExistsError, loadModel, fileSystemIO } from '@frb/layers/node';

// Pretrained weights ship as files beside the sources (file: URLs in Node), which Node's fetch cannot read.
setPretrainedFileReader(async (url) => new Uint8Array(await readFile(fileURLToPath(url))));
