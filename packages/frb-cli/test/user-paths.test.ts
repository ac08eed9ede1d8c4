// frb as a new user meets it: phone photos, transparent PNGs, CMYK and 16-bit files, existing outputs,
// whole-image memory, third-party value ranges, untrained zoo models, symlinked sets, the doctor command.
// Fixture images are made here with sharp; no shared data needed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { imresize, readImage, readImageInfo, splitAlpha, type RawImage } from '@frb/datasets';
import { superResolve } from '@frb/bench';
import { PRETRAINED, bestPretrained, createModel, pretrainedNames } from '@frb/models';
import { cmykJpeg, exifRotatedJpeg, pattern, png16, rgbaPng, rotate90cw } from '../../frb-datasets/test/fixtures.js';
import { frb, makeToyData, saveModelJson } from './helpers.js';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const S = String(Math.min(...PRETRAINED.filter((p) => p.model === 'frbc' && p.name === 'small-291').map((p) => p.scale)));
const s = Number(S);
let dir = '';
let toy = '';
const suiteBackend = tf.getBackend();
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'frb-user-'));
  ({ root: toy } = await makeToyData());
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(toy, { recursive: true, force: true });
  if (tf.getBackend() !== suiteBackend) await tf.setBackend(suiteBackend);
});

/** What the set `frb upscale` defaults to (the best shipped at this scale) makes of `lr`, tiled as the CLI tiles a small image (one tile). */
async function expected(lr: RawImage): Promise<RawImage> {
  const m = await createModel('frbc', { scale: s, weights: bestPretrained('frbc', s)!.name });
  try {
    return await superResolve(m, lr, { scale: s });
  } finally {
    m.dispose();
  }
}
const same = (a: RawImage, b: RawImage) => a.height === b.height && a.width === b.width && a.channels === b.channels && Buffer.from(a.data).equals(Buffer.from(b.data));

describe('frb upscale: images as users bring them', () => {
  it('1. an EXIF orientation 6 JPEG comes out upright: the model run on the turned pixels', async () => {
    const f = join(dir, 'phone.jpg');
    await exifRotatedJpeg(f, pattern(12, 20));
    const r = await frb(['upscale', f, '--scale', S, '--backend', 'cpu']);
    expect(r.stderr).toContain('EXIF orientation 6 applied');
    expect(r.code).toBe(0);
    const out = await readImage(join(dir, `phone_x${s}.png`));
    expect([out.height, out.width]).toEqual([20 * s, 12 * s]);
    const upright = rotate90cw(await readImage(f));
    expect(same(out, await expected(upright))).toBe(true);
  });

  it('3. a transparent PNG keeps its alpha (MATLAB bicubic), colours from the model; a CMYK JPEG is named CMYK, not alpha; 16-bit said', async () => {
    const f = join(dir, 'logo.png');
    const rgba = await rgbaPng(f, pattern(10, 12, 4));
    const r = await frb(['upscale', f, '--scale', S, '--backend', 'cpu']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/dropped/);
    const out = await readImage(join(dir, `logo_x${s}.png`), { alpha: 'keep' });
    expect(out.channels).toBe(4);
    const { color, alpha } = splitAlpha(rgba);
    const got = splitAlpha(out);
    expect(same(got.alpha, imresize(alpha, s))).toBe(true);
    expect(same(got.color, await expected(color))).toBe(true);
    // The fully transparent left region stays fully transparent away from its edge.
    expect(got.alpha.data[(5 * s) * out.width + 1]).toBe(0);

    const c = join(dir, 'print.jpg');
    await cmykJpeg(c, pattern(8, 8, 5));
    const rc = await frb(['upscale', c, '--scale', S, '--backend', 'cpu']);
    expect(rc.code).toBe(0);
    expect(rc.stderr).toContain('CMYK, converted to 8-bit sRGB');
    expect(rc.stderr).not.toMatch(/alpha/);
    expect((await readImage(join(dir, `print_x${s}.png`), { alpha: 'keep' })).channels).toBe(3);

    const d = join(dir, 'scan.png');
    await png16(d, pattern(8, 8, 6));
    const rd = await frb(['upscale', d, '--scale', S, '--backend', 'cpu']);
    expect(rd.code).toBe(0);
    expect(rd.stderr).toContain('16-bit, converted to 8-bit');
  });

  it('2. an existing output is refused without --force (nothing written), replaced with it; -o takes a file or a folder', async () => {
    const f = join(dir, 'a.png');
    await rgbaPng(f, pattern(6, 7, 7));
    const out = join(dir, 'taken.png');
    writeFileSync(out, 'precious');
    const r = await frb(['upscale', f, '--scale', S, '-o', out, '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`refusing to overwrite existing file "${out}" (--force replaces them)`);
    expect(readFileSync(out, 'utf8')).toBe('precious');
    const forced = await frb(['upscale', f, '--scale', S, '-o', out, '--force', '--backend', 'cpu']);
    expect(forced.code).toBe(0);
    expect((await readImageInfo(out)).width).toBe(7 * s);

    const b = join(dir, 'b.jpg');
    await exifRotatedJpeg(b, pattern(5, 6, 8));
    const folder = join(dir, 'batch');
    mkdirSync(join(dir, 'more'));
    await rgbaPng(join(dir, 'more', 'c.png'), pattern(4, 4, 9));
    const batch = await frb(['upscale', f, b, join(dir, 'more'), '-o', `${folder}/`, '--scale', S, '--backend', 'cpu']);
    expect(batch.code).toBe(0);
    expect(batch.stdout.trim().split('\n')).toEqual(['a', 'b', 'c'].map((n) => join(folder, `${n}_x${s}.png`)));
    expect(batch.stderr).toMatch(/3 of 3 images written/);
    expect(readdirSync(folder).sort()).toEqual(['a_x2.png', 'b_x2.png', 'c_x2.png'].map((n) => n.replace('x2', `x${s}`)));
  });

  it('batch: a failing image is listed and exits 1 while the others are written', async () => {
    const good = join(dir, 'good.png');
    await rgbaPng(good, pattern(5, 5, 10));
    const bad = join(dir, 'bad.png');
    writeFileSync(bad, 'not an image');
    const outDir = join(dir, 'mixed');
    const r = await frb(['upscale', bad, good, '-o', outDir, '--scale', S, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 of 2 images written/);
    expect(r.stderr).toMatch(new RegExp(`1 image failed:\\n  ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*cannot read image`));
    expect(existsSync(join(outDir, `good_x${s}.png`))).toBe(true);
    expect(existsSync(join(outDir, `bad_x${s}.png`))).toBe(false);
  });

  it('6. --tile 0 estimates memory first and refuses with the estimate and a tile size that fits', async () => {
    const f = join(dir, 'big.png');
    await rgbaPng(f, pattern(64, 64, 11));
    const r = await frb(['upscale', f, '--scale', S, '--tile', '0', '--max-memory', '2', '-o', join(dir, 'big-out.png'), '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--tile 0: the whole 64x64 image in one model call needs about [\d.]+ MiB of tensor memory \(limit 2\.0 MiB\); tiles of (\d+) pixels fit \(--tile \1\)/);
    expect(existsSync(join(dir, 'big-out.png'))).toBe(false);
    const tile = Number(/tiles of (\d+) pixels/.exec(r.stderr)![1]);
    const ok = await frb(['upscale', f, '--scale', S, '--tile', String(tile), '--max-memory', '2', '-o', join(dir, 'big-out.png'), '--backend', 'cpu']);
    expect(ok.code).toBe(0);
  });

  it('10. --input-range 255 feeds a third-party model [0, 255] values', async () => {
    // x2 nearest upsampling, then a 1x1 conv adding 0.5: +0.5 of a level in [0, 255], +127.5 levels in [0, 1].
    const m = tfl.sequential({ layers: [tfl.layers.upSampling2d({ size: [2, 2], inputShape: [null, null, 3] }), tfl.layers.conv2d({ filters: 3, kernelSize: 1 })] });
    const k = tf.reshape(tf.eye(3), [1, 1, 3, 3]);
    const bias = tf.fill([3], 0.5);
    m.setWeights([k, bias]);
    tf.dispose([k, bias]);
    const model = await saveModelJson(m, join(dir, 'range-model'));
    m.dispose();
    const f = join(dir, 'r.png');
    const lr = pattern(4, 5, 12);
    await (await import('@frb/datasets')).writePng(f, lr);
    const r = await frb(['upscale', f, '--weights', model, '--scale', '2', '--input-range', '255', '-o', join(dir, 'r255.png'), '--backend', 'cpu']);
    expect(r.code).toBe(0);
    const out = await readImage(join(dir, 'r255.png'));
    for (let y = 0; y < 8; y++) for (let x = 0; x < 10; x++) for (let c = 0; c < 3; c++) {
      expect(out.data[(y * 10 + x) * 3 + c]).toBe(Math.min(255, Math.round(lr.data[((y >> 1) * 5 + (x >> 1)) * 3 + c]! + 0.5)));
    }
    const shipped = await frb(['upscale', f, '--input-range', '255', '-o', join(dir, 'x.png')]);
    expect(shipped.code).toBe(2);
    expect(shipped.stderr).toMatch(/--input-range\/--output-range describe a --weights model.json/);
  });
});

describe('frb eval: the model contract', () => {
  it('7. a zoo name needs --weights or --random-weights; --random-weights says untrained in every row; --weights small-291 = the shipped folder', async () => {
    const none = await frb(['eval', 'frbc', '--data', toy, '--sets', 'Toy', '--scale', S, '--backend', 'cpu']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`zoo model 'frbc' has no trained weights unless you name them: --weights ${pretrainedNames('frbc').join('|')} (shipped) or --weights path/to/model.json, or --random-weights`);

    const rand = await frb(['eval', 'frbc', '--random-weights', '--features', '4', '--blocks', '1', '--data', toy, '--sets', 'Toy', '--scale', S, '--no-cost', '--backend', 'cpu']);
    expect(rand.code, rand.stderr).toBe(0);
    const rows = rand.stdout.split('\n').filter((l) => /\| x\d \|/.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^\| frbc \(untrained\) \|/);

    const named = await frb(['eval', 'frbc', '--weights', 'small-291', '--data', toy, '--sets', 'Toy', '--scale', S, '--no-cost', '--json', '--backend', 'cpu']);
    expect(named.code, named.stderr).toBe(0);
    const entry = PRETRAINED.find((p) => p.model === 'frbc' && p.name === 'small-291' && p.scale === s)!;
    const folder = join(fileURLToPath(entry.urls().modelJson), '..');
    const direct = await frb(['eval', folder, '--data', toy, '--sets', 'Toy', '--scale', S, '--no-cost', '--json', '--backend', 'cpu']);
    const [a, b] = [JSON.parse(named.stdout), JSON.parse(direct.stdout)];
    expect(a.method).toBe('frbc small-291');
    expect(a.results[0].psnr).toBe(b.results[0].psnr);

    const both = await frb(['eval', 'frbc', '--weights', 'small-291', '--random-weights', '--data', toy]);
    expect(both.code).toBe(2);
    const wrongScale = await frb(['eval', 'frbc', '--weights', 'small-291', '--scale', '3', '--data', toy, '--sets', 'Toy']);
    expect(wrongScale.code).toBe(2);
    expect(wrongScale.stderr).toMatch(/weights 'small-291' of 'frbc' exist for x/);
  });

  it('10. a set folder that is a symlink under --data is listed and evaluated', async () => {
    symlinkSync(join(toy, 'benchmark', 'Toy'), join(toy, 'benchmark', 'Linked'));
    const r = await frb(['bicubic', '--data', toy, '--sets', 'Linked,Toy', '--scale', '2', '--json']);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run.results.map((x: { set: string }) => x.set)).toEqual(['Linked', 'Toy']);
    expect(run.results[0].psnr).toBe(run.results[1].psnr);
    // --out replaces a results page by rename: a hard link to the old page keeps the old text.
    const page = join(dir, 'page.json');
    writeFileSync(page, 'old');
    linkSync(page, join(dir, 'page-old.json'));
    const o = await frb(['bicubic', '--data', toy, '--sets', 'Toy', '--scale', '2', '--json', '--out', page]);
    expect(o.code).toBe(0);
    expect(JSON.parse(readFileSync(page, 'utf8')).results[0].psnr).toBe(run.results[1].psnr);
    expect(readFileSync(join(dir, 'page-old.json'), 'utf8')).toBe('old');
    const bad = await frb(['bicubic', '--data', toy, '--sets', 'Nope']);
    expect(bad.stderr).toMatch(/available: Linked, Toy/);
  });
});

describe('frb doctor and the native kernels', () => {
  it('prints backend, native status, threads, tfjs versions and the data folder with its sets', async () => {
    const r = await frb(['doctor', '--backend', 'cpu', '--data', toy, '--json']);
    expect(r.code).toBe(0);
    const f = JSON.parse(r.stdout);
    expect(f.backend).toBe('cpu');
    expect(f.tfjs['tfjs-core']).toBe(tf.version_core);
    expect(f.tfjs['tfjs-node']).toBeNull();
    expect(f.data).toEqual({ root: toy, from: '--data', sets: expect.arrayContaining(['Toy']) });
    expect(['on', 'off']).toContain(f.native.state);
    expect(f.native.threads).toBeGreaterThanOrEqual(1);
    const text = await frb(['doctor', '--backend', 'cpu', '--data', toy]);
    expect(text.stdout).toMatch(/^backend +cpu \(from --backend\)$/m);
    expect(text.stdout).toMatch(/^native +(on|off), \d+ threads?/m);
  });

  const gxx = spawnSync(process.env.CXX || 'g++', ['--version']).status === 0;
  it.skipIf(!gxx)('9. the first native build says it is compiling and where the cache is; the next run finds it cached', () => {
    const cache = mkdtempSync(join(tmpdir(), 'frb-native-cache-'));
    const run = () => spawnSync(join(repo, 'node_modules', '.bin', 'tsx'), ['--tsconfig', 'tsconfig.json', 'packages/frb-cli/src/bin.ts', 'doctor', '--backend', 'cpu'], {
      cwd: repo, env: { ...process.env, FRB_CACHE_DIR: cache, FRB_NATIVE: '', FRB_BACKEND: '' }, encoding: 'utf8',
    });
    try {
      const first = run();
      expect(first.status, first.stderr).toBe(0);
      expect(first.stderr).toMatch(new RegExp(`doctor: compiling the native kernels with \\S+ .*cached in ${cache}/frb_native-[0-9a-f]+\\.node`));
      // On an overloaded machine the compiler can run past its time limit; doctor then says why the kernels are off.
      const line = /^native +(on|off), .*$/m.exec(first.stdout);
      expect(line?.[0]).toMatch(/^native +(on, .*compiled now: |off, .*native build failed)/);
      if (line![1] === 'on') {
        const second = run();
        expect(second.stderr).not.toMatch(/compiling/);
        expect(second.stdout).toMatch(new RegExp(`^native +on, .*cached: ${cache}/`, 'm'));
      }
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('start-up', () => {
  it('each entry of the command table loads the module of its name, with the table\'s summary', async () => {
    const { COMMANDS, loadCommand } = await import('@frb/cli');
    for (const entry of COMMANDS) {
      const c = await loadCommand(entry);
      expect(c.name).toBe(entry.name);
      expect(c.summary, entry.name).toBe(entry.summary);
      expect(c.help, entry.name).toContain(`Usage: frb ${entry.name}`);
    }
  });

  // Against the built dist/, as `npx frb` runs it (tsx would spend minutes transpiling on a loaded machine).
  const built = existsSync(join(repo, 'packages/frb-cli/dist/index.js'));
  it.skipIf(!built)('8. `frb --help` loads neither tfjs nor sharp; a command that needs them does (so the check can see them) (needs npm run build)', () => {
    const script = join(dir, 'probe.mjs');
    writeFileSync(script, `
      import { createRequire } from 'node:module';
      const { main } = await import(${JSON.stringify(join(repo, 'packages/frb-cli/dist/index.js'))});
      const ctx = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: process.cwd() };
      const heavy = () => Object.keys(createRequire(import.meta.url).cache).filter((k) => /[\\\\/](sharp|@tensorflow)[\\\\/]/.test(k)).length + (globalThis._tfengine ? 1 : 0);
      await main(['--help'], ctx);
      const afterHelp = heavy();
      await main(['nope'], ctx);
      const afterTypo = heavy();
      await main(['table', '--help'], ctx);
      console.log(JSON.stringify({ afterHelp, afterTypo, afterTable: heavy() }));
    `);
    const out = execFileSync(process.execPath, [script], { cwd: repo, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.afterHelp).toBe(0);
    expect(r.afterTypo).toBe(0);
    expect(r.afterTable).toBeGreaterThan(0);
  }, 600_000);
});
