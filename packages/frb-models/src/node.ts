// @frb/models/node: the Node-only entry. Importing it also loads the main entry, which registers this package's
// layer classes (PixelShuffle, BilinearUpsample, ConstantScale, the transformer layers) and @frb/layers' SRB layers
// with tfjs' serializer, so models saved to disk load back without tfjs-node.
import './index.js';

export { saveModel, loadModel, fileSystemIO } from '@frb/layers/node';
