// Makes the page's opening photograph, public/photo/chelsea-192x144.png, from scikit-image's chelsea.png (CC0; see
// public/photo/LICENCE.md): the 384×288 region at (34, 0), halved with a Lanczos-3 filter to 192×144, written
// without metadata (no colour profile or gamma chunk, so browsers decode the same bytes Node does).
//   npx tsx --tsconfig tsconfig.json apps/demo/scripts/make-photo.ts SOURCE.png [OUT.png]
import sharp from 'sharp';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [src, out = path.resolve(here, '../public/photo/chelsea-192x144.png')] = process.argv.slice(2);
if (!src) throw new Error('make-photo: give the path of scikit-image\'s chelsea.png (e.g. /usr/lib/python3/dist-packages/skimage/data/chelsea.png)');
const meta = await sharp(src).metadata();
if (meta.width !== 451 || meta.height !== 300) throw new Error(`make-photo: ${src} is ${meta.width}×${meta.height}, expected scikit-image's 451×300 chelsea.png`);
await sharp(src)
  .extract({ left: 34, top: 0, width: 384, height: 288 })
  .resize(192, 144, { kernel: 'lanczos3' })
  .removeAlpha()
  .png({ compressionLevel: 9 })
  .toFile(out);
console.log(`make-photo: wrote ${out}`);
