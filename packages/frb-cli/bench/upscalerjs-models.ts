// The UpscalerJS models published on npm (installed into ./upscalerjs on first use, outside the workspace, so that
// npm ci does not download their ~150 MB), read from the
// packages' own model definitions: the CommonJS entry of each package gives, per export, the scale, the model.json
// path inside the package, the value ranges in and out, and for the RRDN models a `setup` that registers their two
// custom layers with tfjs. Nothing else of the packages runs; the model.json is loaded with this project's loader.
// Used by bench/upscalerjs.ts (quality) and bench/infer.ts (speed).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ValueRange } from '@frb/bench';
import { loadModelFile } from '../src/model-source.js';

/** The folder whose package.json pins the UpscalerJS packages (with its own lockfile). */
const INSTALL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'upscalerjs');
// Named `require` so that the dependency check sees which packages the table below loads; it resolves from INSTALL_DIR.
const require = createRequire(join(INSTALL_DIR, 'package.json'));

/** The UpscalerJS packages measured, with the row name of each export of their CommonJS entry. */
const PACKAGES: Array<{ pkg: string; load: () => unknown; row: (exportName: string) => string }> = [
  { pkg: '@upscalerjs/esrgan-slim', load: () => require('@upscalerjs/esrgan-slim'), row: () => 'esrgan-slim' },
  { pkg: '@upscalerjs/esrgan-medium', load: () => require('@upscalerjs/esrgan-medium'), row: () => 'esrgan-medium' },
  { pkg: '@upscalerjs/esrgan-thick', load: () => require('@upscalerjs/esrgan-thick'), row: () => 'esrgan-thick' },
  // Exports div2kx2/div2kx3/div2kx4, psnrSmall, gans.
  {
    pkg: '@upscalerjs/esrgan-legacy', load: () => require('@upscalerjs/esrgan-legacy'),
    row: (e) => `esrgan-legacy ${e.replace(/x\d+$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  },
];

/** The part of an UpscalerJS model definition this script reads. */
interface UpscalerDefinition {
  scale: number;
  modelType?: string;
  _internals: { path: string };
  inputRange: [number, number];
  outputRange: [number, number];
  setup?: (tfNamespace: unknown) => void;
}

export interface UpscalerModel {
  row: string;
  pkg: string;
  version: string;
  scale: number;
  file: string;
  inputRange: ValueRange;
  outputRange: ValueRange;
  setup?: UpscalerDefinition['setup'];
}

function rangeMax(r: [number, number], what: string): ValueRange {
  if (r[0] !== 0 || (r[1] !== 1 && r[1] !== 255)) throw new Error(`${what}: range [${r.join(', ')}] is neither [0, 1] nor [0, 255]`);
  return r[1] as ValueRange;
}

/** The package folder of an installed package (its exports map hides package.json), or undefined when absent. */
function packageDir(pkg: string): string | undefined {
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    return undefined;
  }
  const i = entry.lastIndexOf(`${join('node_modules', pkg)}`);
  if (i < 0) throw new Error(`${pkg}: resolved to "${entry}", outside a node_modules/${pkg} folder`);
  return entry.slice(0, i + join('node_modules', pkg).length);
}

/** Installs the pinned packages into INSTALL_DIR when they are not there yet (npm ci: the lockfile's exact files). */
function ensureInstalled(note: (s: string) => void): void {
  if (existsSync(join(INSTALL_DIR, 'node_modules'))) return;
  note(`installing the UpscalerJS packages into ${INSTALL_DIR} (once; npm ci from its lockfile)`);
  // Their tfjs peer is not needed: only the model.json files and definitions are read.
  execFileSync('npm', ['ci', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: INSTALL_DIR, stdio: 'inherit' });
}

/** Every model the pinned UpscalerJS packages define, from their own definitions; notes what is missing. */
export function upscalerModels(note: (s: string) => void): UpscalerModel[] {
  ensureInstalled(note);
  const out: UpscalerModel[] = [];
  for (const { pkg, load, row } of PACKAGES) {
    const dir = packageDir(pkg);
    if (!dir) {
      note(`${pkg} is not installed in ${INSTALL_DIR} (delete its node_modules to reinstall); its rows are left out`);
      continue;
    }
    const version = (require(join(dir, 'package.json')) as { version: string }).version;
    const defs = load() as Record<string, UpscalerDefinition>;
    for (const [name, d] of Object.entries(defs)) {
      const what = `${pkg} export '${name}'`;
      if (d?.modelType !== 'layers') throw new Error(`${what}: modelType '${String(d?.modelType)}' (a layers model was expected)`);
      const file = join(dir, d._internals.path);
      if (!existsSync(file)) throw new Error(`${what}: "${file}" does not exist`);
      out.push({
        row: row(name), pkg, version, scale: d.scale, file, setup: d.setup,
        inputRange: rangeMax(d.inputRange, `${what} inputRange`), outputRange: rangeMax(d.outputRange, `${what} outputRange`),
      });
    }
  }
  return out;
}

/** What an UpscalerJS `setup` reaches for on the tfjs namespace it is given: core ops plus `layers.Layer`. */
const tfForSetup = { ...tf, layers: tfl.layers };

/** Registers the model's custom layers (if it has any) and loads its model.json. */
export async function loadUpscalerModel(m: UpscalerModel): Promise<tfl.LayersModel> {
  m.setup?.(tfForSetup);
  return loadModelFile(m.file);
}


