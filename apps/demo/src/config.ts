// The one place that says which weights the page loads (relative to the page). scripts/make-model.ts copies the
// shipped FRBC 'small-291' weights of @frb/models there, checked against their pinned SHA-256. A model whose
// metadata says `placeholder: true` gets an "untrained placeholder" banner on the page.
export const MODEL_URLS: Record<Scale, string> = {
  2: 'models/frbc-x2/model.json',
  4: 'models/frbc-x4/model.json',
};

export type Scale = 2 | 4;
export const SCALES: Scale[] = [2, 4];

/** LR tile side and context margin (pixels) of the tiled inference (@frb/bench's predictTiled). */
export const TILE = 64;
export const TILE_MARGIN = 16;
