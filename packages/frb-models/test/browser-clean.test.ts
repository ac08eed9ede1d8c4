// Browser-clean: the entries listed in BROWSER_ENTRIES must not reach any Node-only module.
// We bundle each entry with esbuild for platform 'browser' (esbuild comes with tsx and vite) and record every bare
// import the bundler meets, static, dynamic (string literal) or require(). Node-only code belongs behind './node'.
import { describe, expect, it } from 'vitest';
import * as esbuild from 'esbuild';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { workspaceEntries } from '../../../scripts/workspace.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// Package specifiers to their TypeScript sources as a bundler resolves them (the `browser` entry where a package
// has one), read from the packages' exports. The './node' entries are mapped too, so that a browser-clean entry
// importing one is followed into it (and its Node imports are caught).
const FRB_SOURCES: Record<string, string> = Object.fromEntries(workspaceEntries(repoRoot, 'browser').map((e) => [e.specifier, e.source]));
// The entries documented as browser-clean (docs/architecture.md).
const BROWSER_ENTRIES = ['@frb/layers', '@frb/models', '@frb/distill', '@frb/datasets', '@frb/bench'];

// Peer dependencies a browser app installs itself; anything else bare is reported as unexpected.
const BROWSER_PEERS = new Set([
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-backend-webgl',
  '@tensorflow/tfjs-backend-webgpu',
]);
// Packages that only run under Node (native addons or libtensorflow bindings).
const NODE_ONLY_PACKAGES = ['sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
// Every other @frb entry is Node-only: reaching one from a browser-clean entry is a leak as well.
const NODE_ONLY_FRB = new Set(Object.keys(FRB_SOURCES).filter((s) => !BROWSER_ENTRIES.includes(s)));

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const packageName = (spec: string) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];

type Finding = { spec: string; importer: string; kind: string; why: string };

// Node globals that a browser lacks, used unguarded (a `typeof process` guard is fine and is not matched).
const NODE_GLOBALS = /\b(Buffer\.(?:from|alloc|concat|isBuffer)|__dirname|__filename|require\s*\(|process\.(?:cwd|argv|exit|versions\.node|platform|hrtime))/g;

/** Node-only globals used in `code`, each with its line (the bundle keeps '// path' comments above each file). */
function nodeGlobals(code: string): string[] {
  const found: string[] = [];
  let file = '?';
  for (const line of code.split('\n')) {
    const m = /^\/\/ (packages\/\S+)$/.exec(line.trim());
    if (m) file = m[1];
    for (const g of line.matchAll(NODE_GLOBALS)) found.push(`${file} uses the Node global '${g[1]}'`);
  }
  return found;
}

/** Bundles `entry` for the browser; returns every Node-only or unexpected bare import, with its importer. */
async function inspect(entry: string): Promise<{ findings: Finding[]; files: number; code: string }> {
  const findings: Finding[] = [];
  const rel = (f: string) => path.relative(repoRoot, f);
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    outdir: path.join(repoRoot, '.browser-clean-unused'), // required with several outputs; write: false
    absWorkingDir: repoRoot, // file markers in the output are repo-relative
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'record-bare-imports',
        setup(build) {
          build.onResolve({ filter: /^[^./]/ }, (args) => {
            const spec = args.path;
            if (spec in FRB_SOURCES) {
              if (NODE_ONLY_FRB.has(spec)) {
                findings.push({ spec, importer: rel(args.importer), kind: args.kind, why: 'Node-only @frb entry' });
              }
              return { path: FRB_SOURCES[spec] };
            }
            let why: string | undefined;
            if (builtins.has(spec) || spec.startsWith('node:')) why = 'Node built-in module';
            else if (NODE_ONLY_PACKAGES.includes(packageName(spec))) why = 'Node-only package';
            else if (!BROWSER_PEERS.has(packageName(spec))) why = 'unexpected dependency (not a browser peer)';
            if (why) findings.push({ spec, importer: rel(args.importer), kind: args.kind, why });
            return { path: spec, external: true };
          });
        },
      },
    ],
  });
  return { findings, files: Object.keys(result.metafile.inputs).length, code: result.outputFiles.map((f) => f.text).join('\n') };
}

const describeFinding = (f: Finding) => `${f.importer} imports '${f.spec}' (${f.kind}; ${f.why})`;

describe('browser-clean main entries', () => {
  for (const name of BROWSER_ENTRIES) {
    it(`${name} reaches no Node-only module when bundled for the browser`, async () => {
      const { findings, files, code } = await inspect(FRB_SOURCES[name]);
      expect(files).toBeGreaterThan(3); // the bundle really walked the package's sources
      expect(findings.map(describeFinding), `Node-only imports reachable from ${name}`).toEqual([]);
      expect(code).toMatch(/^\s*\/\/ packages\/frb-\w+\/src\//m); // file markers, so a finding names its file
      expect(nodeGlobals(code), `Node-only globals in code reachable from ${name}`).toEqual([]);
    });
  }

  it('the globals scan finds unguarded Node globals and names the file', () => {
    const code = ['// packages/x/src/a.ts', 'const b = Buffer.from(s);', 'if (typeof process !== "undefined") {}',
      '// packages/x/src/b.ts', 'const d = __dirname; process.cwd();'].join('\n');
    expect(nodeGlobals(code)).toEqual([
      "packages/x/src/a.ts uses the Node global 'Buffer.from'",
      "packages/x/src/b.ts uses the Node global '__dirname'",
      "packages/x/src/b.ts uses the Node global 'process.cwd'",
    ]);
  });

  it('the check catches Node-only imports: the ./node entries report their fs/path/module imports', async () => {
    const { findings } = await inspect(FRB_SOURCES['@frb/layers/node']);
    const specs = new Set(findings.map((f) => f.spec));
    expect(specs.has('node:path')).toBe(true);
    expect(specs.has('node:module')).toBe(true);
    expect(findings.every((f) => f.importer.startsWith('packages/frb-layers/src/'))).toBe(true);
    const models = await inspect(FRB_SOURCES['@frb/models/node']);
    expect(models.findings.some((f) => f.spec === '@frb/layers/node' && f.importer === 'packages/frb-models/src/node.ts')).toBe(true);
  });
});
