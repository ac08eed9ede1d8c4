/**
 * Dataset layouts on disk → validated lists of HR/LR pairs. Nothing is decoded here; only headers are read to
 * check that every LR file is exactly floor(HR / s) in size (the HR mod-cropped to a multiple of s, then
 * shrunk by s). A pair without `lrPath` gets its LR generated with the MATLAB bicubic (see lr-cache.ts).
 *
 * Rules: a missing folder, an HR without its LR, an LR without its HR, a size mismatch, a duplicate name, a
 * scale that is not an integer ≥ 2, and a non-image file in an image folder are errors naming the path.
 * Dot-files (".DS_Store", ".gitkeep") are not images and are passed over.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { readImageInfo, type ImageInfo } from './io.js';
import { assertScale } from './raw-image.js';

export interface ImagePair {
  /** File stem of the HR image (e.g. "baby", "0001"); unique within a list. */
  name: string;
  /** Super-resolution factor: the LR is floor(HR / scale) in each dimension. */
  scale: number;
  hrPath: string;
  /** Absent: the LR is generated from the HR with MATLAB bicubic (and cached on disk). */
  lrPath?: string;
}

export interface LayoutOptions {
  /** Ignore/need no LR files: generate LR from HR with imresize (default false). */
  generateLR?: boolean;
  /** Check every LR size against its HR from the file headers (default true). */
  validate?: boolean;
}

/** Extensions read as images (what sharp/libvips decodes). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff'] as const;

export function isImageFile(file: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extname(file).toLowerCase());
}

async function assertDir(dir: string, what: string): Promise<void> {
  let s;
  try {
    s = await stat(dir);
  } catch {
    throw new Error(`${what}: folder "${dir}" does not exist`);
  }
  if (!s.isDirectory()) throw new Error(`${what}: "${dir}" is not a folder`);
}

async function dirExists(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** Image files of `dir` (sorted, dot-files passed over); non-image files are an error naming them. */
async function listImages(dir: string, what: string, allowOther = false): Promise<string[]> {
  await assertDir(dir, what);
  const entries = await readdir(dir, { withFileTypes: true });
  const images: string[] = [];
  const other: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    // Symlinked images (common for shared dataset copies) count as files; sub-folders count as "other".
    let isFile = e.isFile();
    if (e.isSymbolicLink()) isFile = await stat(join(dir, e.name)).then((s) => s.isFile(), () => false);
    if (isFile && isImageFile(e.name)) images.push(e.name);
    else other.push(isFile ? e.name : `${e.name}/`);
  }
  if (other.length && !allowOther) {
    throw new Error(
      `${what}: "${dir}" holds entries that are not images (${IMAGE_EXTENSIONS.join(', ')}): ` +
        `${other.slice(0, 5).join(', ')}${other.length > 5 ? ` and ${other.length - 5} more` : ''}`,
    );
  }
  return images.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

const stem = (f: string) => basename(f, extname(f));

/** Maps stem → file name, rejecting two files with the same stem (e.g. a.png and a.jpg). */
function byStem(files: string[], dir: string, what: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of files) {
    const s = stem(f);
    const prev = m.get(s);
    if (prev) throw new Error(`${what}: "${dir}" has two images named "${s}": ${prev} and ${f}`);
    m.set(s, f);
  }
  return m;
}

/**
 * Pairs HR files of `hrDir` with LR files `<stem><suffix>.<ext>` in `lrDir`, both ways: an HR without its LR
 * or an LR without its HR is an error naming the files.
 */
async function pairFolders(
  hrDir: string,
  lrDir: string | null,
  scale: number,
  lrSuffix: string,
  what: string,
  allowOther = false,
): Promise<ImagePair[]> {
  const hr = byStem(await listImages(hrDir, what, allowOther), hrDir, what);
  if (hr.size === 0) throw new Error(`${what}: "${hrDir}" has no images`);
  if (lrDir == null) {
    return [...hr].map(([name, f]) => ({ name, scale, hrPath: resolve(hrDir, f) }));
  }
  const lr = byStem(await listImages(lrDir, what, allowOther), lrDir, what);
  const pairs: ImagePair[] = [];
  const missing: string[] = [];
  for (const [name, f] of hr) {
    const l = lr.get(name + lrSuffix);
    if (l == null) missing.push(join(hrDir, f));
    else pairs.push({ name, scale, hrPath: resolve(hrDir, f), lrPath: resolve(lrDir, l) });
  }
  if (missing.length) {
    throw new Error(
      `${what}: ${missing.length} HR image(s) have no LR "<name>${lrSuffix}.png" in "${lrDir}": ` +
        `${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ' …' : ''}`,
    );
  }
  const orphans = [...lr].filter(([s]) => !s.endsWith(lrSuffix) || !hr.has(s.slice(0, s.length - lrSuffix.length)));
  if (orphans.length) {
    throw new Error(
      `${what}: ${orphans.length} LR image(s) in "${lrDir}" have no HR in "${hrDir}": ` +
        `${orphans.slice(0, 5).map(([, f]) => f).join(', ')}${orphans.length > 5 ? ' …' : ''}`,
    );
  }
  return pairs;
}

/** Runs `fn` over `items` with at most `limit` in flight (header reads are I/O bound). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The LR size a pair must have: floor(HR / s) per dimension. Throws if the HR is smaller than s. */
export function expectedLrSize(hr: { height: number; width: number }, scale: number, file: string): [number, number] {
  const h = Math.floor(hr.height / scale);
  const w = Math.floor(hr.width / scale);
  if (h < 1 || w < 1) throw new Error(`"${file}" (${hr.height}x${hr.width}) is smaller than the scale ${scale}`);
  return [h, w];
}

/** Checks every pair's LR header against its HR header (and that HRs are at least s×s). */
export async function validatePairs(pairs: ImagePair[], what = 'validatePairs'): Promise<void> {
  const problems: string[] = [];
  await mapLimit(pairs, 16, async (p) => {
    let hr: ImageInfo;
    try {
      hr = await readImageInfo(p.hrPath);
    } catch (err) {
      problems.push((err as Error).message);
      return;
    }
    let eh: number;
    let ew: number;
    try {
      [eh, ew] = expectedLrSize(hr, p.scale, p.hrPath);
    } catch (err) {
      problems.push((err as Error).message);
      return;
    }
    if (p.lrPath == null) return;
    try {
      const lr = await readImageInfo(p.lrPath);
      if (lr.height !== eh || lr.width !== ew) {
        problems.push(
          `LR "${p.lrPath}" is ${lr.height}x${lr.width} but HR "${p.hrPath}" (${hr.height}x${hr.width}) / ${p.scale} needs ${eh}x${ew}`,
        );
      }
    } catch (err) {
      problems.push((err as Error).message);
    }
  });
  if (problems.length) {
    throw new Error(
      `${what}: ${problems.length} problem(s): ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
    );
  }
}

async function finish(pairs: ImagePair[], opts: LayoutOptions, what: string): Promise<ImagePair[]> {
  const seen = new Set<string>();
  for (const p of pairs) {
    if (seen.has(p.name)) throw new Error(`${what}: two images are named "${p.name}" (the second is "${p.hrPath}")`);
    seen.add(p.name);
  }
  if (opts.validate ?? true) await validatePairs(pairs, what);
  return pairs;
}

/**
 * The common benchmark layout: `<root>/<set>/HR/<name>.png` and `<root>/<set>/LR_bicubic/X<s>/<name>x<s>.png`
 * (Set5, Set14, B100, Urban100, Manga109).
 */
export async function benchmarkSet(
  root: string,
  setName: string,
  scale: number,
  opts: LayoutOptions = {},
): Promise<ImagePair[]> {
  const what = `benchmarkSet(${setName}, x${scale})`;
  assertScale(scale, `${what}: scale`);
  const setDir = join(root, setName);
  await assertDir(setDir, what);
  const hrDir = join(setDir, 'HR');
  const lrDir = join(setDir, 'LR_bicubic', `X${scale}`);
  if (!opts.generateLR && !(await dirExists(lrDir))) {
    throw new Error(`${what}: LR folder "${lrDir}" does not exist (pass { generateLR: true } to make LR from HR)`);
  }
  return finish(await pairFolders(hrDir, opts.generateLR ? null : lrDir, scale, `x${scale}`, what), opts, what);
}

export interface Div2kOptions extends LayoutOptions {
  /** 'train' (0001–0800, default) or 'valid' (0801–0900). */
  split?: 'train' | 'valid';
  /** LR track: 'bicubic' (default) or 'unknown' (NTIRE 2017 track 2). */
  track?: 'bicubic' | 'unknown';
}

/** Finds `<root>/<sub>` or `<root>/<alt>/<sub>` (archives are unpacked either way). */
async function findSub(root: string, alt: string, sub: string): Promise<string | null> {
  for (const d of [join(root, sub), join(root, alt, sub)]) if (await dirExists(d)) return d;
  return null;
}

/**
 * Official DIV2K layout: `DIV2K_<split>_HR/0001.png`, `DIV2K_<split>_LR_<track>/X<s>/0001x<s>.png`,
 * found in `root` or in `root/DIV2K`.
 */
export async function div2k(root: string, scale: number, opts: Div2kOptions = {}): Promise<ImagePair[]> {
  const split = opts.split ?? 'train';
  const track = opts.track ?? 'bicubic';
  const what = `div2k(${split}, x${scale})`;
  assertScale(scale, `${what}: scale`);
  if (split !== 'train' && split !== 'valid') throw new RangeError(`${what}: split must be 'train' or 'valid', got ${split}`);
  if (track !== 'bicubic' && track !== 'unknown') throw new RangeError(`${what}: track must be 'bicubic' or 'unknown'`);
  if (track === 'unknown' && opts.generateLR) throw new RangeError(`${what}: generateLR makes bicubic LR, not the 'unknown' track`);
  const hrDir = await findSub(root, 'DIV2K', `DIV2K_${split}_HR`);
  if (!hrDir) throw new Error(`${what}: no "DIV2K_${split}_HR" folder in "${root}" or "${join(root, 'DIV2K')}"`);
  let lrDir: string | null = null;
  if (!opts.generateLR) {
    const lrRoot = await findSub(root, 'DIV2K', `DIV2K_${split}_LR_${track}`);
    lrDir = lrRoot && join(lrRoot, `X${scale}`);
    if (!lrDir || !(await dirExists(lrDir))) {
      throw new Error(
        `${what}: no LR folder "DIV2K_${split}_LR_${track}/X${scale}" next to "${hrDir}" (pass { generateLR: true } to make LR from HR)`,
      );
    }
  }
  return finish(await pairFolders(hrDir, lrDir, scale, `x${scale}`, what), opts, what);
}

/**
 * DF2K = DIV2K train (800) + Flickr2K (2650): DIV2K as in `div2k`, Flickr2K as
 * `Flickr2K_HR/000001.png`, `Flickr2K_LR_bicubic/X<s>/000001x<s>.png`, found in `root` or `root/Flickr2K`.
 */
export async function df2k(root: string, scale: number, opts: LayoutOptions = {}): Promise<ImagePair[]> {
  const what = `df2k(x${scale})`;
  assertScale(scale, `${what}: scale`);
  const d = await div2k(root, scale, { ...opts, split: 'train', validate: false });
  const hrDir = await findSub(root, 'Flickr2K', 'Flickr2K_HR');
  if (!hrDir) throw new Error(`${what}: no "Flickr2K_HR" folder in "${root}" or "${join(root, 'Flickr2K')}"`);
  let lrDir: string | null = null;
  if (!opts.generateLR) {
    const lrRoot = await findSub(root, 'Flickr2K', 'Flickr2K_LR_bicubic');
    lrDir = lrRoot && join(lrRoot, `X${scale}`);
    if (!lrDir || !(await dirExists(lrDir))) {
      throw new Error(`${what}: no LR folder "Flickr2K_LR_bicubic/X${scale}" next to "${hrDir}" (pass { generateLR: true })`);
    }
  }
  const f = await pairFolders(hrDir, lrDir, scale, `x${scale}`, what);
  return finish([...d, ...f], opts, what);
}

export interface ImageFolderOptions extends LayoutOptions {
  /** Folder of ready-made LR files, paired by name (`<name>.<ext>` or `<name>x<s>.<ext>`). Default: generate. */
  lrDir?: string;
  /** Pass over non-image files instead of rejecting the folder (default false). */
  skipNonImages?: boolean;
}

/**
 * One or more plain folders of HR images (e.g. T91 + BSD200). LR is generated from HR with the MATLAB bicubic
 * unless `lrDir` names ready-made LR files.
 */
export async function imageFolder(
  dirs: string | string[],
  scale: number,
  opts: ImageFolderOptions = {},
): Promise<ImagePair[]> {
  const list = Array.isArray(dirs) ? dirs : [dirs];
  const what = `imageFolder(x${scale})`;
  assertScale(scale, `${what}: scale`);
  if (list.length === 0) throw new Error(`${what}: no folder given`);
  if (opts.lrDir && list.length > 1) throw new Error(`${what}: lrDir pairs with a single HR folder, got ${list.length}`);
  const pairs: ImagePair[] = [];
  for (const dir of list) {
    const files = await listImages(dir, what, opts.skipNonImages);
    if (files.length === 0) throw new Error(`${what}: "${dir}" has no images`);
    if (opts.lrDir) {
      const lrStems = (await listImages(opts.lrDir, what, opts.skipNonImages)).map(stem);
      // LR names may be "<name>.png" or "<name>x<s>.png"; the suffix is used only when every LR file has it.
      const suffix = lrStems.length > 0 && lrStems.every((s) => s.endsWith(`x${scale}`)) ? `x${scale}` : '';
      pairs.push(...(await pairFolders(dir, opts.lrDir, scale, suffix, what, opts.skipNonImages)));
    } else {
      for (const f of byStem(files, dir, what).values()) pairs.push({ name: stem(f), scale, hrPath: resolve(dir, f) });
    }
  }
  return finish(pairs, opts, what);
}

export interface SizeSplit {
  /** Pairs whose LR is at least `minLrSize` in both dimensions. */
  fit: ImagePair[];
  /** The others, with their HR header size, for the caller to report. */
  tooSmall: { pair: ImagePair; height: number; width: number }[];
}

/**
 * Splits pairs by whether their LR (floor(HR / s)) can hold a `minLrSize` patch, from file headers. For
 * training on mixed-size sets such as T91 (where 51 images are under 192 px, too small for LR 48 at x4): the
 * caller decides, visibly, to leave the small ones out; the patch pipeline itself never drops images.
 */
export async function splitBySize(pairs: ImagePair[], minLrSize: number): Promise<SizeSplit> {
  if (!Number.isInteger(minLrSize) || minLrSize < 1) throw new RangeError(`splitBySize: minLrSize must be an integer >= 1, got ${minLrSize}`);
  const infos = await mapLimit(pairs, 16, (p) => readImageInfo(p.hrPath));
  const out: SizeSplit = { fit: [], tooSmall: [] };
  pairs.forEach((pair, i) => {
    const { height, width } = infos[i]!;
    if (Math.floor(height / pair.scale) >= minLrSize && Math.floor(width / pair.scale) >= minLrSize) out.fit.push(pair);
    else out.tooSmall.push({ pair, height, width });
  });
  return out;
}
