// The demo page: opens with a photograph, upscales it (or a picked / dropped image) x2/x4 with FRBC, tile by tile
// with progress, compares with bicubic under a before/after slider and in a 1:1 zoom, and offers the result as PNG.
// On wasm and cpu it downloads and runs the deployed model (1-bit sign words, packed XNOR-popcount kernels); on
// webgpu/webgl the float simulation. ?backend= forces a backend, ?model=frbc|frbc-m a model, ?form=packed|float a
// model form.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { predictTiled, type FloatImage } from '@frb/bench';
import { imresize } from '@frb/datasets';
import { binarySummary, getPackedKernel, packedThreads, packedThreadsUnavailable, startPackedThreads } from '@frb/layers';
import { createModel } from '@frb/models';
import { defaultForm, pickBackend, type BackendName } from './backend.js';
import {
  DEFAULT_MODEL, DEFAULT_SCALE, DEMO_MODELS, MODEL_FORMS, modelScales, modelUrl, PHOTO_URL, TILE, TILE_MARGIN, weightSet, ZOOM,
  type DemoModel, type ModelForm, type Scale,
} from './config.js';
import { rgbaToRgb, rgbToRgba } from './image.js';
import { servedSizes, zoomOrigin, type ServedSizes } from './sizes.js';

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
  compare: $<HTMLDivElement>('sr-wrap').parentElement as HTMLDivElement,
  slider: $<HTMLInputElement>('slider'),
  download: $<HTMLAnchorElement>('download'),
  backend: $<HTMLElement>('stat-backend'),
  ran: $<HTMLElement>('stat-ran'),
  model: $<HTMLElement>('stat-model'),
  time: $<HTMLElement>('stat-time'),
  warm: $<HTMLElement>('stat-warm'),
  sizeFile: $<HTMLElement>('stat-size-file'),
  sizePacked: $<HTMLElement>('stat-size-packed'),
  sizePredicted: $<HTMLElement>('stat-size-predicted'),
  sizeFloat: $<HTMLElement>('stat-size-float'),
  sizeFp: $<HTMLElement>('stat-size-fp'),
  threads: $<HTMLElement>('stat-threads'),
  zoomBicubic: $<HTMLCanvasElement>('zoom-bicubic'),
  zoomSr: $<HTMLCanvasElement>('zoom-sr'),
  zoomAt: $<HTMLElement>('zoom-at'),
  placeholder: $<HTMLElement>('placeholder'),
};

interface LoadedModel {
  model: tfl.LayersModel;
  form: ModelForm;
  /** Bytes of the weight files this load fetched (measured on the responses). */
  downloaded: number;
  /** The weight files it fetched (URLs), for the page's data attributes. */
  weightFiles: string[];
  sizes: ServedSizes;
  /** binarySummary: FP params and scalars × 4 B + binary params (× order) / 8. */
  predictedBytes: number;
  /** The FP twin (SRResNet with the served model's backbone) at 32 bits per weight. */
  fpBytes: number;
  placeholder: boolean;
}

const params = new URLSearchParams(location.search);
const models = new Map<string, Promise<LoadedModel>>();
let backend: BackendName | null = null;
let form: ModelForm = 'packed';
let demoModel: DemoModel = DEFAULT_MODEL;
let lr: FloatImage | null = null;
let imageName = 'image';
let zoomCenter: { x: number; y: number } | null = null;

function setStatus(state: 'idle' | 'loading' | 'running' | 'done' | 'error', text: string): void {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
}

const fmtBytes = (n: number) => `${Math.round(n).toLocaleString('en-US')} bytes`;

/** fetch, recording the bytes of every response that is not a model.json. */
function countingFetch(files: { url: string; bytes: number }[]): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (res.ok && !/model\.json(\?|$)/.test(url)) files.push({ url, bytes: (await res.clone().arrayBuffer()).byteLength });
    return res;
  };
}

async function loadModel(scale: Scale, which: ModelForm): Promise<LoadedModel> {
  const url = new URL(modelUrl(demoModel, scale, which), document.baseURI).href;
  const fetched: { url: string; bytes: number }[] = [];
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.http(url, { fetchFunc: countingFetch(fetched) }));
  } catch (e) {
    throw new Error(`cannot load the ${demoModel} x${scale} ${which} model from ${url}: ${e instanceof Error ? e.message : e}`);
  }
  const sizes = await servedSizes(Object.fromEntries(MODEL_FORMS.map((f) => [f, new URL(modelUrl(demoModel, scale, f), document.baseURI).href])) as Record<ModelForm, string>);
  const probe: number[] = [16, 16, 3];
  // The packed layers report the counts of the SRB layers they came from, so either form gives the same prediction.
  const predictedBytes = binarySummary(model, { inputShape: probe }).totals.memoryBytes;
  const arch = sizes.info.architecture;
  const twin = createModel('srresnet', { scale, features: Number(arch.features), blocks: Number(arch.blocks) });
  const fpBytes = binarySummary(twin, { inputShape: probe }).totals.memoryBytes;
  twin.dispose();
  const meta = model.getUserDefinedMetadata() as { placeholder?: boolean } | undefined;
  return {
    model, form: which, downloaded: fetched.reduce((s, f) => s + f.bytes, 0), weightFiles: fetched.map((f) => f.url),
    sizes, predictedBytes, fpBytes, placeholder: meta?.placeholder === true,
  };
}

function getModel(scale: Scale, which: ModelForm): Promise<LoadedModel> {
  const key = `${scale}:${which}`;
  let p = models.get(key);
  if (!p) {
    p = loadModel(scale, which);
    p.catch(() => models.delete(key)); // a failed load may be retried
    models.set(key, p);
  }
  return p;
}

const warmUps = new Map<string, Promise<void>>();

/**
 * Loads the model of `scale` in the page's form and runs it once on a zero tile of the largest size predictTiled
 * feeds it (TILE + 2 margins), so that the user's first upscale does not pay the one-time costs of the first
 * large predict (in Chromium ~1.4 s on the first tile for both forms, measured by the e2e's per-tile times:
 * tfjs' wasm memory grown to its peak, kernels set up). Shown on the page with its time; memoized per scale.
 */
function warmUp(scale: Scale): Promise<void> {
  const key = `${scale}:${form}`;
  let p = warmUps.get(key);
  if (!p) {
    p = (async () => {
      const m = await getModel(scale, form);
      const side = TILE + 2 * TILE_MARGIN;
      const t0 = performance.now();
      const y = tf.tidy(() => m.model.predict(tf.zeros([1, side, side, 3])) as tf.Tensor);
      await y.data(); // read back, as a tile is
      y.dispose();
      const ms = performance.now() - t0;
      ui.warm.textContent = `${(ms / 1000).toFixed(2)} s (x${scale} ${m.form} model on one ${side}×${side} zero tile, once after loading)`;
      ui.warm.dataset.ms = ms.toFixed(1);
      ui.warm.dataset.scale = String(scale);
    })();
    p.catch(() => warmUps.delete(key)); // a failed warm-up may be retried
    warmUps.set(key, p);
  }
  return p;
}

function draw(canvas: HTMLCanvasElement, img: { width: number; height: number; data: ArrayLike<number> }): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(rgbToRgba(img), img.width, img.height), 0, 0);
}

/** Copies the ZOOM×ZOOM region around the zoom centre of both outputs into the zoom canvases, pixel for pixel. */
function drawZoom(): void {
  if (ui.sr.width === 0) return;
  const c = zoomCenter ?? { x: ui.sr.width / 2, y: ui.sr.height / 2 };
  const o = zoomOrigin(c, ui.sr.width, ui.sr.height, ZOOM);
  for (const [src, dst] of [[ui.bicubic, ui.zoomBicubic], [ui.sr, ui.zoomSr]] as const) {
    dst.width = o.w;
    dst.height = o.h;
    const ctx = dst.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(src, o.x, o.y, o.w, o.h, 0, 0, o.w, o.h);
  }
  ui.zoomAt.textContent = `${o.w}×${o.h} at (${o.x}, ${o.y})`;
  ui.zoomAt.dataset.x = String(o.x);
  ui.zoomAt.dataset.y = String(o.y);
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
  zoomCenter = null;
  ui.run.disabled = false;
  ui.lr.dataset.name = file.name;
  setStatus('idle', `${file.name}: ${width}×${height} — choose a scale and press Upscale`);
}

/** Fetches the opening photograph and opens it like a picked file. */
async function openPhoto(): Promise<void> {
  const url = new URL(PHOTO_URL, document.baseURI);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load the photograph ${url.href}: HTTP ${res.status}`);
  const name = url.pathname.split('/').pop() || 'photo.png';
  await openImage(new File([await res.blob()], name, { type: res.headers.get('content-type') || 'image/png' }));
}

function describeRun(m: LoadedModel): string {
  const b = tf.getBackend();
  if (m.form === 'float') return `float simulation on ${b} (float32 latent weights, float convs)`;
  const wasm = getPackedKernel() === 'wasm';
  const n = wasm ? packedThreads().threads : 1;
  return `packed 1-bit model: XNOR-popcount kernels in ${wasm ? 'WebAssembly' : 'JavaScript'} (${n} thread${n === 1 ? '' : 's'}), other layers on ${b}`;
}

/** Most threads the packed kernels use: a small pool (tiles are small, and the page shares the machine). */
const MAX_THREADS = 4;

/**
 * Starts the packed kernels' worker pool where the page is cross-origin isolated (up to MAX_THREADS, one per core);
 * ?threads=N asks for N (1: none). Shows the count and why it is 1 when it is; a pool that fails to start leaves
 * the kernels on one thread and says why.
 */
async function startThreads(): Promise<void> {
  const asked = params.get('threads');
  const cores = navigator.hardwareConcurrency || 1;
  const wanted = asked === null ? Math.min(MAX_THREADS, cores) : Number(asked);
  if (!Number.isInteger(wanted) || wanted < 1) throw new Error(`?threads=${asked} is not a whole number of at least 1`);
  let why = wanted === 1 ? (asked === null ? `one core reported` : '?threads=1') : packedThreadsUnavailable();
  if (why === null) {
    try {
      await startPackedThreads(wanted);
    } catch (e) {
      why = e instanceof Error ? e.message : String(e);
    }
  }
  const n = packedThreads().threads;
  ui.threads.dataset.threads = String(n);
  ui.threads.dataset.isolated = String(globalThis.crossOriginIsolated === true);
  ui.threads.textContent = why === null ? `${n} (cross-origin isolated; ${cores} cores reported)` : `1 (${why})`;
}

async function upscale(): Promise<void> {
  if (!lr) return;
  const scale = Number(ui.scale.value) as Scale;
  const scales = modelScales(demoModel);
  if (!scales.includes(scale)) throw new Error(`scale ${ui.scale.value}: ${demoModel} ships weights at ${scales.map((s) => `x${s}`).join(', ')} only`);
  ui.run.disabled = true;
  ui.download.hidden = true;
  try {
    setStatus('loading', `loading the ${demoModel} x${scale} ${form} model…`);
    const m = await getModel(scale, form);
    await warmUp(scale);
    ui.placeholder.hidden = !m.placeholder;
    ui.ran.textContent = describeRun(m);
    ui.ran.dataset.form = m.form;
    ui.ran.dataset.kernel = m.form === 'packed' ? getPackedKernel() : 'float';
    ui.model.textContent = `${m.sizes.info.model.toUpperCase()} x${scale}, weight set '${m.sizes.info.weights}' (${m.sizes.info.architecture.features} features, ${m.sizes.info.architecture.blocks} blocks)`;
    ui.sizeFile.textContent = `${fmtBytes(m.downloaded)} (${m.form})`;
    ui.sizeFile.dataset.files = m.weightFiles.join(' ');
    ui.sizePacked.textContent = fmtBytes(m.sizes.packed);
    ui.sizePredicted.textContent = `${fmtBytes(m.predictedBytes)} (file / prediction = ${(m.sizes.packed / m.predictedBytes).toFixed(4)})`;
    ui.sizeFloat.textContent = `${fmtBytes(m.sizes.float)} (packed = ${((100 * m.sizes.packed) / m.sizes.float).toFixed(1)}% of it)`;
    ui.sizeFp.textContent = fmtBytes(m.fpBytes);
    draw(ui.bicubic, imresize(lr, scale)); // MATLAB's bicubic, float in and out
    setStatus('running', `upscaling x${scale} on ${tf.getBackend()} (${m.form})…`);
    ui.progress.value = 0;
    const t0 = performance.now();
    // Each tile's ms (the wait for the progress bar's paint included), so a slow first tile shows as such.
    const tileMs: number[] = [];
    let tPrev = t0;
    const sr = await predictTiled((x) => m.model.predict(x) as tf.Tensor, lr, {
      scale,
      tile: TILE,
      overlap: TILE_MARGIN,
      onTile: async (done, total) => {
        const now = performance.now();
        tileMs.push(now - tPrev);
        tPrev = now;
        ui.progress.value = done / total;
        await new Promise((r) => setTimeout(r, 0)); // let the progress bar paint
      },
    });
    const ms = performance.now() - t0;
    ui.threads.dataset.workerRows = String(packedThreads().workerRows);
    draw(ui.sr, sr);
    drawZoom();
    const msPerMp = ms / ((sr.width * sr.height) / 1e6);
    ui.time.textContent = `${(ms / 1000).toFixed(2)} s (${Math.round(msPerMp).toLocaleString('en-US')} ms per output megapixel)`;
    ui.time.dataset.ms = ms.toFixed(1);
    ui.time.dataset.msPerMp = msPerMp.toFixed(1);
    ui.time.dataset.tileMs = tileMs.map((t) => t.toFixed(0)).join(' ');
    ui.sr.toBlob((blob) => {
      if (!blob) return;
      if (ui.download.href) URL.revokeObjectURL(ui.download.href);
      ui.download.href = URL.createObjectURL(blob);
      ui.download.download = `${imageName}-${demoModel}-x${scale}.png`;
      ui.download.hidden = false;
    }, 'image/png');
    setStatus('done', `done: ${lr.width}×${lr.height} → ${sr.width}×${sr.height} in ${(ms / 1000).toFixed(2)} s on ${tf.getBackend()} (${m.form})`);
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
ui.scale.addEventListener('change', () => {
  ui.run.disabled = true;
  warmUp(Number(ui.scale.value) as Scale).catch(fail).finally(() => { ui.run.disabled = lr === null; });
});
ui.slider.addEventListener('input', () => {
  ui.srWrap.style.clipPath = `inset(0 0 0 ${ui.slider.value}%)`;
});
ui.compare.addEventListener('click', (e) => {
  if (ui.sr.width === 0) return;
  const r = ui.compare.getBoundingClientRect();
  zoomCenter = { x: ((e.clientX - r.left) / r.width) * ui.sr.width, y: ((e.clientY - r.top) / r.height) * ui.sr.height };
  drawZoom();
});

async function start(): Promise<void> {
  const wantedModel = params.get('model');
  if (wantedModel != null && !(DEMO_MODELS as readonly string[]).includes(wantedModel)) {
    throw new Error(`?model=${wantedModel} is not one of ${DEMO_MODELS.join(', ')}`);
  }
  demoModel = (wantedModel as DemoModel | null) ?? DEFAULT_MODEL;
  const wantedForm = params.get('form');
  if (wantedForm != null && !(MODEL_FORMS as string[]).includes(wantedForm)) {
    throw new Error(`?form=${wantedForm} is not one of ${MODEL_FORMS.join(', ')}`);
  }
  // Only the scales this model ships weights for can be picked.
  const scales = modelScales(demoModel);
  for (const o of Array.from(ui.scale.options)) o.disabled = !scales.includes(Number(o.value) as Scale);
  ui.scale.value = String(scales.includes(DEFAULT_SCALE) ? DEFAULT_SCALE : scales[0]);
  const picked = await pickBackend(params.get('backend'));
  backend = picked.name;
  form = (wantedForm as ModelForm | null) ?? defaultForm(backend);
  ui.backend.textContent = picked.skipped.length ? `${backend} (skipped ${picked.skipped.join('; ')})` : backend;
  ui.backend.dataset.backend = backend;
  ui.ran.dataset.form = form;
  ui.model.textContent = `${demoModel.toUpperCase()}, weight sets ${scales.map((s) => `x${s} '${weightSet(demoModel, s)}'`).join(', ')}; ${form} form`;
  if (form === 'packed') await startThreads();
  else ui.threads.textContent = 'packed kernels not used (float simulation)';
  ui.file.disabled = false;
  await openPhoto();
  // The model is fetched and warmed up while the user looks at the photograph; Run waits for it.
  ui.run.disabled = true;
  setStatus('loading', `${ui.status.textContent} (preparing the model…)`);
  const ready = ui.status.textContent.replace(/ \(preparing the model…\)$/, '');
  await warmUp(Number(ui.scale.value) as Scale);
  ui.run.disabled = false;
  setStatus('idle', ready);
}

start().catch(fail);

