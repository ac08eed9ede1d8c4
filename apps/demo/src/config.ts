// The one place that says which weights the page loads. The files below are written by scripts/make-model.ts as a
// seeded, *untrained placeholder* until the shipped FRBC weights exist; to ship real weights, point these URLs at
// them (relative to the page). The page labels a model "untrained placeholder" from the model's own metadata
// (`placeholder: true`, set by make-model), so real weights lose the label without touching the page.
export const MODEL_URLS: Record<Scale, string> = {
  2: 'models/frbc-x2/model.json',
  4: 'models/frbc-x4/model.json',
};

export type Scale = 2 | 4;
export const SCALES: Scale[] = [2, 4];

/** LR tile side and context margin (pixels) of the tiled inference; see tiling.ts. */
export const TILE = 64;
export const TILE_MARGIN = 16;
