// The page's settings. WEIGHTS is the one place that says which shipped FRBC weight set the page runs at each scale
// (a name pinned in @frb/models' zoo); scripts/make-model.ts reads it, checks the set's pinned SHA-256, and writes
// both forms the page can load under public/models/<folder>/: `packed/` (deployModel: 1-bit sign words, what the
// page runs on wasm and cpu) and `float/` (the shipped float32 latent weights, byte for byte: the float simulation
// that WebGPU/WebGL run, and `?model=float`).
export type Scale = 2 | 4;
export const SCALES: Scale[] = [2, 4];

export const WEIGHTS: Record<Scale, string> = {
  2: 'small-291',
  4: 'small-291',
};

export type ModelForm = 'packed' | 'float';
export const MODEL_FORMS: ModelForm[] = ['packed', 'float'];

/** Folder (relative to the page, and to public/) of one scale's model files: the weight-set name is part of it. */
export function modelFolder(scale: Scale, weights = WEIGHTS[scale]): string {
  return `models/frbc-x${scale}-${weights}`;
}

/** model.json of one form of one scale's model, relative to the page. */
export function modelUrl(scale: Scale, form: ModelForm): string {
  return `${modelFolder(scale)}/${form}/model.json`;
}

/** The photograph the page opens with (public/photo/; its licence is in public/photo/LICENCE.md). */
export const PHOTO_URL = 'photo/chelsea-192x144.png';

/** LR tile side and context margin (pixels) of the tiled inference (@frb/bench's predictTiled). */
export const TILE = 64;
export const TILE_MARGIN = 16;

/** Side of the 1:1 zoom canvases (output pixels). */
export const ZOOM = 128;
