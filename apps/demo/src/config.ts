// The page's settings. The page offers two registry models (?model=): FRBC-M, the default (FRBC with a binarized
// upsampler, this project's extension: only its first and last convs stay float, so the packed page is 1-bit
// almost end to end and downloads 1/11 of its float latent bytes), and FRBC (the paper's layout, float upsampler and
// tail; shipped at x2 too). At each scale it runs the best shipped weight set of the model (@frb/models'
// bestPretrained: the highest logged Set5 PSNR), so a newly pinned, better set is picked up by the next build.
// scripts/make-model.ts checks each set's pinned SHA-256 and writes both forms the page can load under
// public/models/<folder>/: `packed/` (deployModel: 1-bit sign words, what the page runs on wasm and cpu) and
// `float/` (the shipped float32 latent weights, byte for byte: the float simulation that WebGPU/WebGL run, and
// `?form=float`).
import { bestPretrained } from '@frb/models';

export type Scale = 2 | 4;
export const SCALES: Scale[] = [2, 4];

export const DEMO_MODELS = ['frbc', 'frbc-m'] as const;
export type DemoModel = (typeof DEMO_MODELS)[number];
export const DEFAULT_MODEL: DemoModel = 'frbc-m';
/** The scale the page opens with: the one the default model's best shipped set is best known for. */
export const DEFAULT_SCALE: Scale = 4;

export type ModelForm = 'packed' | 'float';
export const MODEL_FORMS: ModelForm[] = ['packed', 'float'];

/** The shipped weight set the page runs for `model` at `scale`, or undefined when none is shipped at that scale. */
export function weightSet(model: DemoModel, scale: Scale): string | undefined {
  return bestPretrained(model, scale)?.name;
}

/** The scales `model` has shipped weights for. */
export function modelScales(model: DemoModel): Scale[] {
  return SCALES.filter((s) => weightSet(model, s) !== undefined);
}

/** Folder (relative to the page, and to public/) of one model's files at one scale: the weight-set name is part of it. */
export function modelFolder(model: DemoModel, scale: Scale, weights = weightSet(model, scale)): string {
  if (weights === undefined) throw new Error(`demo: no shipped '${model}' weight set at x${scale}; it has ${modelScales(model).map((s) => `x${s}`).join(', ') || 'none'}`);
  return `models/${model}-x${scale}-${weights}`;
}

/** model.json of one form of one model at one scale, relative to the page. */
export function modelUrl(model: DemoModel, scale: Scale, form: ModelForm): string {
  return `${modelFolder(model, scale)}/${form}/model.json`;
}

/** The photograph the page opens with (public/photo/; its licence is in public/photo/LICENCE.md). */
export const PHOTO_URL = 'photo/chelsea-192x144.png';

/**
 * LR tile side and context margin (pixels) of the tiled inference (@frb/bench's predictTiled). The margin covers the
 * receptive field of the deepest shipped set (8 blocks: 1 head + 2 per block + 1 upsampler + 1 tail + 1 bilinear
 * = 20 LR pixels), so tiles join without seams. Tiles of 128 (+ margins: 176² LR, 704² × 32 floats per x4 feature
 * map, ~63 MB) compute (176/128)² = 1.9 LR pixels per output pixel's worth instead of 3.1 with tiles of 64.
 */
export const TILE = 128;
export const TILE_MARGIN = 24;

/** Side of the 1:1 zoom canvases (output pixels). */
export const ZOOM = 128;
