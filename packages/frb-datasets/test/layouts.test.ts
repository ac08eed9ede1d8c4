import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { benchmarkSet, df2k, div2k, imageFolder, imresize, layoutPairs, loadEvalPairs, lrCachePath, modcrop, writePng } from '@frb/datasets';
import { countDiff, randomImage, tempDir } from './helpers.js';

let dir = '';
let cleanup = async () => {};
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

/** Writes HR `name.png` (h×w) and its MATLAB-bicubic LR `<name>x<s>.png` into a layout. */
async function makePair(hrDir: string, lrDir: string | null, name: string, h: number, w: number, s: number, seed: number) {
  const hr = randomImage(h, w, 3, seed);
  await writePng(join(hrDir, `${name}.png`), hr);
  if (lrDir) await writePng(join(lrDir, `${name}x${s}.png`), imresize(modcrop(hr, s), 1 / s));
  return hr;
}

describe('benchmarkSet', () => {
  it('pairs <Set>/HR/<name>.png with <Set>/LR_bicubic/X<s>/<name>x<s>.png, sorted by name', async () => {
    const root = join(dir, 'bench');
    await makePair(join(root, 'Tiny', 'HR'), join(root, 'Tiny', 'LR_bicubic', 'X2'), 'b', 10, 12, 2, 1);
    await makePair(join(root, 'Tiny', 'HR'), join(root, 'Tiny', 'LR_bicubic', 'X2'), 'a', 9, 13, 2, 2);
    const pairs = await benchmarkSet(root, 'Tiny', 2);
    expect(pairs.map((p) => p.name)).toEqual(['a', 'b']);
    expect(pairs[0]!.lrPath).toMatch(/LR_bicubic[/\\]X2[/\\]ax2\.png$/);
    expect(pairs.every((p) => p.scale === 2)).toBe(true);
    // Odd HR sizes (9×13) are mod-cropped at load time, and the LR matches.
    const loaded = [];
    for await (const e of loadEvalPairs(pairs)) loaded.push(e);
    expect([loaded[0]!.hr.height, loaded[0]!.hr.width, loaded[0]!.lr.height, loaded[0]!.lr.width]).toEqual([8, 12, 4, 6]);
  });

  it('errors name the folder or files: missing set/LR folder, HR without LR, LR without HR, wrong size, bad scale', async () => {
    const root = join(dir, 'bench-bad');
    await expect(benchmarkSet(root, 'Nope', 2)).rejects.toThrow(/Nope.*does not exist/);
    const hrDir = join(root, 'S', 'HR');
    const lr2 = join(root, 'S', 'LR_bicubic', 'X2');
    await makePair(hrDir, lr2, 'one', 8, 8, 2, 3);
    await expect(benchmarkSet(root, 'S', 3)).rejects.toThrow(/X3.*does not exist.*generateLR/);
    expect((await benchmarkSet(root, 'S', 3, { generateLR: true }))[0]!.lrPath).toBeUndefined();
    await expect(benchmarkSet(root, 'S', 1)).rejects.toThrow(/integer >= 2/);
    await expect(benchmarkSet(root, 'S', 2.5)).rejects.toThrow(/integer >= 2/);

    await writePng(join(hrDir, 'two.png'), randomImage(8, 8, 3, 4));
    await expect(benchmarkSet(root, 'S', 2)).rejects.toThrow(/HR image\(s\) have no LR.*two\.png/);
    await writePng(join(lr2, 'twox2.png'), randomImage(4, 4, 3, 5));
    await writePng(join(lr2, 'threex2.png'), randomImage(4, 4, 3, 6));
    await expect(benchmarkSet(root, 'S', 2)).rejects.toThrow(/LR image\(s\).*have no HR.*threex2\.png/);
    await writePng(join(hrDir, 'three.png'), randomImage(10, 8, 3, 7));
    await expect(benchmarkSet(root, 'S', 2)).rejects.toThrow(/threex2\.png" is 4x4 but HR .*three\.png" \(10x8\) \/ 2 needs 5x4/);
  });

  it('rejects non-image files and duplicate stems, naming them; dot-files are passed over', async () => {
    const root = join(dir, 'bench-junk');
    await makePair(join(root, 'J', 'HR'), join(root, 'J', 'LR_bicubic', 'X2'), 'x', 8, 8, 2, 8);
    await writeFile(join(root, 'J', 'HR', '.DS_Store'), 'mac');
    expect((await benchmarkSet(root, 'J', 2)).length).toBe(1);
    await writeFile(join(root, 'J', 'HR', 'notes.txt'), 'hello');
    await expect(benchmarkSet(root, 'J', 2)).rejects.toThrow(/not images.*notes\.txt/);
    await rm(join(root, 'J', 'HR', 'notes.txt'));
    await mkdir(join(root, 'J', 'HR', 'extra'));
    await expect(benchmarkSet(root, 'J', 2)).rejects.toThrow(/not images.*extra\//);
    expect((await imageFolder(join(root, 'J', 'HR'), 2, { skipNonImages: true })).map((p) => p.name)).toEqual(['x']);
    // A symlinked image is an image (dataset copies are often links).
    const linked = join(dir, 'linked');
    await mkdir(linked);
    await symlink(join(root, 'J', 'HR', 'x.png'), join(linked, 'y.png'));
    expect((await imageFolder(linked, 2)).map((p) => p.name)).toEqual(['y']);
    const f = join(dir, 'dups');
    await writePng(join(f, 'a.png'), randomImage(8, 8, 3));
    await writePng(join(f, 'a.webp'), randomImage(8, 8, 3));
    await expect(imageFolder(f, 2)).rejects.toThrow(/two images named "a"/);
  });
});

describe('div2k / df2k', () => {
  it('reads the official DIV2K layout (root or root/DIV2K), both splits', async () => {
    const root = join(dir, 'div');
    await makePair(join(root, 'DIV2K', 'DIV2K_train_HR'), join(root, 'DIV2K', 'DIV2K_train_LR_bicubic', 'X4'), '0001', 16, 20, 4, 9);
    await makePair(join(root, 'DIV2K', 'DIV2K_train_HR'), join(root, 'DIV2K', 'DIV2K_train_LR_bicubic', 'X4'), '0002', 17, 20, 4, 10);
    await makePair(join(root, 'DIV2K', 'DIV2K_valid_HR'), join(root, 'DIV2K', 'DIV2K_valid_LR_bicubic', 'X4'), '0801', 16, 16, 4, 11);
    const train = await div2k(root, 4);
    expect(train.map((p) => p.name)).toEqual(['0001', '0002']);
    expect(train[1]!.lrPath).toMatch(/DIV2K_train_LR_bicubic[/\\]X4[/\\]0002x4\.png$/);
    expect((await div2k(join(root, 'DIV2K'), 4, { split: 'valid' })).map((p) => p.name)).toEqual(['0801']);
    await expect(div2k(root, 2)).rejects.toThrow(/DIV2K_train_LR_bicubic\/X2.*generateLR/);
    expect((await div2k(root, 2, { generateLR: true })).length).toBe(2);
    await expect(div2k(join(dir, 'nothing'), 4)).rejects.toThrow(/no "DIV2K_train_HR" folder/);
    await expect(div2k(root, 4, { split: 'test' as 'train' })).rejects.toThrow(/split must be/);
  });

  it('df2k adds Flickr2K_HR / Flickr2K_LR_bicubic to DIV2K train', async () => {
    const root = join(dir, 'df');
    await makePair(join(root, 'DIV2K_train_HR'), join(root, 'DIV2K_train_LR_bicubic', 'X2'), '0001', 8, 8, 2, 12);
    await expect(df2k(root, 2)).rejects.toThrow(/no "Flickr2K_HR" folder/);
    await makePair(join(root, 'Flickr2K', 'Flickr2K_HR'), join(root, 'Flickr2K', 'Flickr2K_LR_bicubic', 'X2'), '000001', 8, 10, 2, 13);
    const pairs = await df2k(root, 2);
    expect(pairs.map((p) => p.name)).toEqual(['0001', '000001']);
    await writePng(join(root, 'Flickr2K', 'Flickr2K_LR_bicubic', 'X2', '000001x2.png'), randomImage(4, 4, 3));
    await expect(df2k(root, 2)).rejects.toThrow(/000001x2\.png" is 4x4 .* needs 4x5/);
  });
});

describe('layoutPairs', () => {
  it('reads training folders by layout name; an unknown name lists the known ones', async () => {
    const root = join(dir, 'by-name');
    await makePair(join(root, 'S', 'HR'), join(root, 'S', 'LR_bicubic', 'X2'), 'a', 8, 10, 2, 21);
    const bench = await layoutPairs('benchmark', [join(root, 'S')], 2);
    expect(bench.map((p) => p.name)).toEqual(['a']);
    expect(bench[0]!.lrPath).toMatch(/S[/\\]LR_bicubic[/\\]X2[/\\]ax2\.png$/);
    const plain = await layoutPairs('folder', [join(root, 'S', 'HR')], 2);
    expect(plain.map((p) => [p.name, p.lrPath])).toEqual([['a', undefined]]);
    await expect(layoutPairs('div2k', [root], 2)).rejects.toThrow(/no "DIV2K_train_HR" folder/);
    await expect(layoutPairs('flat', [root], 2)).rejects.toThrow(/unknown dataset layout 'flat' \(known: folder, div2k, df2k, benchmark\)/);
  });
});

describe('imageFolder', () => {
  it('lists HR images of one or more folders with generated LR, or pairs with an lrDir', async () => {
    const a = join(dir, 'fa');
    const b = join(dir, 'fb');
    await writePng(join(a, 'p.png'), randomImage(12, 12, 3, 14));
    await writePng(join(b, 'q.png'), randomImage(12, 10, 3, 15));
    const pairs = await imageFolder([a, b], 3);
    expect(pairs.map((p) => [p.name, p.lrPath])).toEqual([['p', undefined], ['q', undefined]]);
    const lrDir = join(dir, 'fa-lr');
    await writePng(join(lrDir, 'p.png'), randomImage(4, 4, 3, 16));
    expect((await imageFolder(a, 3, { lrDir }))[0]!.lrPath).toMatch(/fa-lr[/\\]p\.png$/);
    await expect(imageFolder(a, 2, { lrDir })).rejects.toThrow(/p\.png" is 4x4 .* needs 6x6/);
    await expect(imageFolder(join(dir, 'missing'), 2)).rejects.toThrow(/missing" does not exist/);
    await mkdir(join(dir, 'empty'), { recursive: true });
    await expect(imageFolder(join(dir, 'empty'), 2)).rejects.toThrow(/has no images/);
    const tiny = join(dir, 'tiny');
    await writePng(join(tiny, 't.png'), randomImage(1, 5, 3));
    await expect(imageFolder(tiny, 2)).rejects.toThrow(/t\.png" \(1x5\) is smaller than the scale 2/);
  });

  it('generated LR equals imresize(modcrop(HR)) and is cached on disk', async () => {
    const f = join(dir, 'gen');
    const hr = randomImage(11, 14, 3, 17);
    await writePng(join(f, 'g.png'), hr);
    const cacheDir = join(dir, 'cache-gen');
    const got = [];
    for await (const e of loadEvalPairs(imageFolder(f, 2), { cacheDir })) got.push(e);
    const e = got[0];
    expect(existsSync(lrCachePath(cacheDir, join(f, 'g.png'), 2, 3))).toBe(true);
    const want = imresize(modcrop(hr, 2), 1 / 2);
    expect(countDiff(e!.lr.data, want.data)).toBe(0);
    expect([e!.hr.height, e!.hr.width]).toEqual([10, 14]);
  });
});
