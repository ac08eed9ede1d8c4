// The workspace's packages and their entries, read from each package.json's `exports`: the one source of the
// `@frb/x` / `@frb/x/node` map. vitest.config.ts and the demo's vite.config.ts derive their aliases from it;
// scripts/check-workspace.ts checks tsconfig.json's `paths` (static JSON) against it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  sideEffects?: boolean | string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  workspaces?: string[];
}

export interface Workspace {
  /** Absolute folder. */
  dir: string;
  /** Folder relative to the repository root, '/'-separated. */
  rel: string;
  manifest: Manifest;
}

export interface Entry {
  /** What code imports: '@frb/layers', '@frb/layers/node'. */
  specifier: string;
  /** The built file the chosen export condition names, relative to the package ('./dist/node.js'). */
  dist: string;
  /** The TypeScript source that built it (absolute). */
  source: string;
}

export function readManifest(file: string): Manifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`workspace: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as Manifest;
  } catch (e) {
    throw new Error(`workspace: ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** The workspaces named by the root package.json (patterns 'dir' or 'dir/*'), in folder order. */
export function listWorkspaces(root: string): Workspace[] {
  const patterns = readManifest(path.join(root, 'package.json')).workspaces ?? [];
  const dirs: string[] = [];
  for (const p of patterns) {
    if (p.endsWith('/*')) {
      const base = path.join(root, p.slice(0, -2));
      if (!existsSync(base)) continue;
      for (const d of readdirSync(base, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (d.isDirectory() && existsSync(path.join(base, d.name, 'package.json'))) dirs.push(path.join(base, d.name));
      }
    } else if (!p.includes('*')) {
      dirs.push(path.join(root, p));
    } else {
      throw new Error(`workspace: pattern '${p}' in ${path.join(root, 'package.json')} is not 'dir' or 'dir/*'`);
    }
  }
  return dirs.map((dir) => ({
    dir,
    rel: path.relative(root, dir).split(path.sep).join('/'),
    manifest: readManifest(path.join(dir, 'package.json')),
  }));
}

/** The target of one export under `condition` (falling back to 'import'), descending nested condition objects. */
function pickTarget(value: unknown, condition: string): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  for (const key of [condition, 'import', 'default']) {
    if (key in v) {
      const t = pickTarget(v[key], condition);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

/**
 * The package's code entries under `condition` ('import' for Node, 'browser' for bundlers), each with its source:
 * `./dist/<p>.js` is built from `./src/<p>.ts` (every package builds with rootDir src, outDir dist).
 */
export function packageEntries(ws: Workspace, condition: 'import' | 'browser' = 'import'): Entry[] {
  const file = path.join(ws.dir, 'package.json');
  const out: Entry[] = [];
  for (const [subpath, value] of Object.entries(ws.manifest.exports ?? {})) {
    if (subpath === './package.json') continue;
    const dist = pickTarget(value, condition);
    const m = dist && /^\.\/dist\/(.+)\.js$/.exec(dist);
    if (!m) throw new Error(`workspace: ${file}: exports['${subpath}'] has no './dist/….js' target for '${condition}'`);
    const source = path.join(ws.dir, 'src', `${m[1]}.ts`);
    if (!existsSync(source)) throw new Error(`workspace: ${file}: exports['${subpath}'] → ${dist}, but its source ${source} is missing`);
    out.push({ specifier: subpath === '.' ? ws.manifest.name : `${ws.manifest.name}/${subpath.slice(2)}`, dist, source });
  }
  return out;
}

/** Every workspace entry, for one condition. */
export function workspaceEntries(root: string, condition: 'import' | 'browser' = 'import'): Entry[] {
  return listWorkspaces(root).flatMap((ws) => packageEntries(ws, condition));
}

/** Vite/vitest aliases from each entry specifier (matched whole) to its TypeScript source. */
export function sourceAliases(root: string, condition: 'import' | 'browser' = 'import'): { find: RegExp; replacement: string }[] {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return workspaceEntries(root, condition).map((e) => ({ find: new RegExp(`^${escape(e.specifier)}$`), replacement: e.source }));
}

/**
 * The sources of the files each package lists in `sideEffects` (absolute paths). The demo bundles the sources
 * through aliases, where the `./dist/` patterns match nothing; without these Vite drops the layer registrations.
 */
export function sideEffectSources(root: string): Set<string> {
  const out = new Set<string>();
  for (const ws of listWorkspaces(root)) {
    const list = ws.manifest.sideEffects;
    if (!Array.isArray(list)) continue;
    for (const f of list) {
      const m = /^\.\/dist\/(.+)\.js$/.exec(f);
      if (!m) throw new Error(`workspace: ${path.join(ws.dir, 'package.json')}: sideEffects entry '${f}' is not './dist/….js'`);
      out.add(path.join(ws.dir, 'src', `${m[1]}.ts`));
    }
  }
  return out;
}
