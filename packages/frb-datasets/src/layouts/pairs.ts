/**
 * What every dataset layout shares: the pair type, folder listing and pairing, and the header checks. Dataset
 * layouts on disk → validated lists of HR/LR pairs. Nothing is decoded here; only headers are read to
 * check that every LR file is exactly floor(HR / s) in size (the HR mod-cropped to a multiple of s, then
 * shrunk by s). A pair without `lrPath` gets its LR generated with the MATLAB bicubic (see lr-cache.ts).
 *
 * Rules: a missing folder, an HR without its LR, an LR without its HR, a size mismatch, a duplicate name, a
 * scale that is not an integer ≥ 2, and a non-image file in an image folder are errors naming the path.
 * Dot-files (".DS_Store", ".gitkeep") are not images and are passed over.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { readImageInfo, type ImageInfo } from '../io.js';

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

export async function assertDir(dir: string, what: string): Promise<void> {
  let s;
  try {
    s = await stat(dir);
  } catch {
    throw new Error(`${what}: folder "${dir}" does not exist`);
  }
  if (!s.isDirectory()) throw new Error(`${what}: "${dir}" is not a folder`);
}

export async function dirExists(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** Image files of `dir` (sorted, dot-files passed over); non-image files are an error naming them. */
export async function listImages(dir: string, what: string, allowOther = false): Promise<string[]> {
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

export const stem = (f: string) => basename(f, extname(f));

/** Maps stem → file name, rejecting two files with the same stem (e.g. a.png and a.jpg). */
export function byStem(files: string[], dir: string, what: string): Map<string, string> {
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
export async function pairFolders(
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
export async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
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

export async function finish(pairs: ImagePair[], opts: LayoutOptions, what: string): Promise<ImagePair[]> {
  const seen = new Set<string>();
  for (const p of pairs) {
    if (seen.has(p.name)) throw new Error(`${what}: two images are named "${p.name}" (the second is "${p.hrPath}")`);
    seen.add(p.name);
  }
  if (opts.validate ?? true) await validatePairs(pairs, what);
  return pairs;
}

/** Finds `<root>/<sub>` or `<root>/<alt>/<sub>` (archives are unpacked either way). */
export async function findSub(root: string, alt: string, sub: string): Promise<string | null> {
  for (const d of [join(root, sub), join(root, alt, sub)]) if (await dirExists(d)) return d;
  return null;
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
