// The demo page: pick or drop an image, upscale it x2/x4 with FRBC (tiled, with progress), compare with bicubic
// under a before/after slider, and download the result.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { predictTiled, type FloatImage } from '@frb/bench';
import { imresize } from '@frb/datasets';
import { binarySummary } from '@frb/layers';
import { createModel } from '@frb/models';
import { pickBackend } from './backend.js';
import { MODEL_URLS, SCALES, TILE, TILE_MARGIN, type Scale } from './config.js';
import { rgbaToRgb, rgbToRgba } from './image.js';

const $ = <T extends HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`demo: element #${id} missing from index.html`);
  return el as T;
};

const ui = {
  file: $<HTMLInputElement>('file'),
  drop: $<HTMLDivElement>('drop'),
  scale: $<HTMLSelectElement>('scale'),
  run: $<HTMLButtonElement>('run'),
  progress: $<HTMLProgressElement>('progress'),
  status: $<HTMLParagraphElement>('status'),
  lr: $<HTMLCanvasElement>('lr'),
  bicubic: $<HTMLCanvasElement>('bicubic'),
  sr: $<HTMLCanvasElement>('sr'),
  srWrap: $<HTMLDivElement>('sr-wrap'),
  slider: $<HTMLInputElement>('slider'),
  download: $<HTMLAnchorElement>('download'),
  backend: $<HTMLElement>('stat-backend'),
  time: $<HTMLElement>('stat-time'),
  sizeFrbc: $<HTMLElement>('stat-size-frbc'),
  sizeFp: $<HTMLElement>('stat-size-fp'),
  sizeFile: $<HTMLElement>('stat-size-file'),
  placeholder: $<HTMLElement>('placeholder'),
};

interface LoadedModel {
  model: tfl.LayersModel;
  /** Deployable size: 1 bit per binary weight, 32 bits per FP weight and scalar (binarySummary). */
  frbcBytes: number;
  /** The FP twin (SRResNet, same backbone) at 32 bits per weight. */
  fpBytes: number;
  /** What the page downloaded: float32 latent weights. */
  fileBytes: number;
  placeholder: boolean;
}

const models = new Map<Scale, Promise<LoadedModel>>();
let lr: FloatImage | null = null;
let imageName = 'image';

function setStatus(state: 'idle' | 'loading' | 'running' | 'done' | 'error', text: string): void {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

const fmtBytes = (n: number) => `${Math.round(n).toLocaleString('en-US')} bytes`;

async function loadModel(scale: Scale): Promise<LoadedModel> {
  const url = new URL(MODEL_URLS[scale], document.baseURI).href;
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(url);
  } catch (e) {
    throw new Error(`cannot load the x${scale} model from ${url}: ${e instanceof Error ? e.message : e}`);
  }
  const probe: number[] = [16, 16, 3];
  const frbcBytes = binarySummary(model, { inputShape: probe }).totals.memoryBytes;
  const twin = createModel('srresnet', { scale });
  const fpBytes = binarySummary(twin, { inputShape: probe }).totals.memoryBytes;
  twin.dispose();
  const fileBytes = model.weights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1) * 4, 0);
  const meta = model.getUserDefinedMetadata() as { placeholder?: boolean } | undefined;
  return { model, frbcBytes, fpBytes, fileBytes, placeholder: meta?.placeholder === true };
}

function getModel(scale: Scale): Promise<LoadedModel> {
  let p = models.get(scale);
  if (!p) {
    p = loadModel(scale);
    p.catch(() => models.delete(scale)); // a failed load may be retried
    models.set(scale, p);
  }
  return p;
}

function draw(canvas: HTMLCanvasElement, img: { width: number; height: number; data: ArrayLike<number> }): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgbToRgba(img), img.width, img.height), 0, 0);
}

async function openImage(file: File): Promise<void> {
  if (!file.type.startsWith('image/')) {
    setStatus('error', `${file.name}: not an image (type '${file.type || 'unknown'}')`);
    return;
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    setStatus('error', `${file.name}: cannot be decoded (${e instanceof Error ? e.message : e})`);
    return;
  }
  const { width, height } = bitmap;
  ui.lr.width = width;
  ui.lr.height = height;
  const ctx = ui.lr.getContext('2d', { willReadFrequently: true })!;
  // Transparent pixels are shown over white, and that is what the model sees.
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  lr = rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height);
  imageName = file.name.replace(/\.[^.]+$/, '') || 'image';
  ui.run.disabled = false;
  setStatus('idle', `${file.name}: ${width}×${height} — choose a scale and press Upscale`);
}

async function upscale(): Promise<void> {
  if (!lr) return;
  const scale = Number(ui.scale.value) as Scale;
  if (!SCALES.includes(scale)) throw new Error(`scale ${ui.scale.value} is not one of ${SCALES.join(', ')}`);
  ui.run.disabled = true;
  ui.download.hidden = true;
  try {
    setStatus('loading', `loading the x${scale} model…`);
    const m = await getModel(scale);
    ui.placeholder.hidden = !m.placeholder;
    ui.sizeFrbc.textContent = fmtBytes(m.frbcBytes);
    ui.sizeFp.textContent = fmtBytes(m.fpBytes);
    ui.sizeFile.textContent = fmtBytes(m.fileBytes);
    draw(ui.bicubic, imresize(lr, scale)); // MATLAB's bicubic, float in and out
    setStatus('running', `upscaling x${scale} on ${tf.getBackend()}…`);
    ui.progress.value = 0;
    const t0 = performance.now();
    const sr = await predictTiled((x) => m.model.predict(x) as tf.Tensor, lr, {
      scale,
      tile: TILE,
      overlap: TILE_MARGIN,
      onTile: async (done, total) => {
        ui.progress.value = done / total;
        await new Promise((r) => setTimeout(r, 0)); // let the progress bar paint
      },
    });
    const ms = performance.now() - t0;
    draw(ui.sr, sr);
    ui.time.textContent = `${(ms / 1000).toFixed(2)} s`;
    ui.sr.toBlob((blob) => {
      if (!blob) return;
      if (ui.download.href) URL.revokeObjectURL(ui.download.href);
      ui.download.href = URL.createObjectURL(blob);
      ui.download.download = `${imageName}-frbc-x${scale}.png`;
      ui.download.hidden = false;
    }, 'image/png');
    setStatus('done', `done: ${lr.width}×${lr.height} → ${sr.width}×${sr.height} in ${(ms / 1000).toFixed(2)} s on ${tf.getBackend()}`);
  } finally {
    ui.run.disabled = false;
  }
}

function fail(e: unknown): void {
  console.error(e);
  setStatus('error', e instanceof Error ? e.message : String(e));
}

ui.file.addEventListener('change', () => {
  const f = ui.file.files?.[0];
  if (f) openImage(f).catch(fail);
});
ui.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  ui.drop.classList.add('over');
});
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('over');
  const f = e.dataTransfer?.files?.[0];
  if (f) openImage(f).catch(fail);
});
ui.run.addEventListener('click', () => upscale().catch(fail));
ui.slider.addEventListener('input', () => {
  ui.srWrap.style.clipPath = `inset(0 0 0 ${ui.slider.value}%)`;
});

const wanted = new URLSearchParams(location.search).get('backend');
pickBackend(wanted)
  .then(({ name, skipped }) => {
    ui.backend.textContent = skipped.length ? `${name} (${skipped.join('; ')})` : name;
    ui.backend.dataset.backend = name;
    ui.file.disabled = false;
    setStatus('idle', 'pick or drop an image');
  })
  .catch(fail);
