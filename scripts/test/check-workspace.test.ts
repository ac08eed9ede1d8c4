// The workspace checker on a small fixture repository: clean, then with one planted fault at a time.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkWorkspace } from '../check-workspace.ts';
import { sourceAliases, workspaceEntries } from '../workspace.ts';

let root: string;
const write = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
};
const json = (rel: string, value: unknown) => write(rel, JSON.stringify(value, null, 2));
const messages = () => checkWorkspace(root).map((p) => `${p.file}: ${p.message}`);

// @x/low sits under @x/high (the docs' order); high uses low at run time, low's test uses high.
function manifest(name: string, extra: Record<string, unknown> = {}) {
  const entry = (f: string) => ({ types: `./dist/${f}.d.ts`, import: `./dist/${f}.js` });
  return { name, version: '1.0.0', type: 'module', exports: { '.': entry('index'), './node': entry('node'), './package.json': './package.json' }, sideEffects: false, ...extra };
}

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'frb-check-ws-'));
  json('package.json', { name: 'root', private: true, workspaces: ['packages/*'] });
  write('docs/architecture.md', '# Architecture\n\n```\n@x/low    packages/low    the base\n@x/high   packages/high   on top (uses low)\n```\n');
  json('tsconfig.json', {
    compilerOptions: {
      paths: {
        '@x/low': ['packages/low/src/index.ts'], '@x/low/node': ['packages/low/src/node.ts'],
        '@x/high': ['packages/high/src/index.ts'], '@x/high/node': ['packages/high/src/node.ts'],
      },
    },
  });
  json('packages/low/package.json', manifest('@x/low', { devDependencies: { '@x/high': '1.0.0' } }));
  write('packages/low/src/index.ts', "export const one = 1;\n");
  write('packages/low/src/node.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n");
  write('packages/low/test/a.test.ts', "import { two } from '@x/high';\nconsole.log(two);\n");
  json('packages/high/package.json', manifest('@x/high', { dependencies: { '@x/low': '1.0.0' }, sideEffects: ['./dist/index.js', './dist/register.js'] }));
  write('packages/high/src/index.ts', "import { one } from '@x/low';\nexport { registeredAs } from './register.js';\nexport const two = one + 1;\n");
  write('packages/high/src/node.ts', "export type { Low } from './types.js';\n");
  write('packages/high/src/types.ts', "export type Low = typeof import('@x/low');\n");
  write('packages/high/src/register.ts', "import { one } from '@x/low';\nexport const registeredAs = 'one';\n(globalThis as Record<string, unknown>)[registeredAs] = one;\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('check-workspace', () => {
  it('passes the clean fixture', () => {
    expect(messages()).toEqual([]);
  });

  it('fails on an undeclared import, in src and in a test', () => {
    write('packages/high/src/extra.ts', "export * from '@x/other';\n");
    json('packages/other/package.json', manifest('@x/other'));
    write('packages/other/src/index.ts', 'export const z = 0;\n');
    write('packages/other/src/node.ts', 'export const y = 0;\n');
    write('packages/high/test/b.test.ts', "import '@x/other/node';\n");
    expect(messages()).toEqual(expect.arrayContaining([
      "packages/high/src/extra.ts: imports '@x/other', which packages/high/package.json does not list in dependencies",
      "packages/high/test/b.test.ts: imports '@x/other/node', which packages/high/package.json does not list (devDependencies for tests and scripts)",
      'docs/architecture.md: @x/other (packages/other/package.json) is missing from the package list',
    ]));
  });

  it('fails on an unused dependency and on a runtime dependency only tests use', () => {
    json('packages/low/package.json', manifest('@x/low', { dependencies: { '@x/high': '1.0.0' } }));
    write('packages/low/test/a.test.ts', 'export {};\n');
    expect(messages()).toContain("packages/low/package.json: dependency '@x/high' is never imported");
    write('packages/low/test/a.test.ts', "import '@x/high';\n");
    expect(messages()).toContain("packages/low/package.json: dependency '@x/high' is used only outside src/: move it to devDependencies");
  });

  it('fails on an upward import between packages, even type-only', () => {
    json('packages/low/package.json', manifest('@x/low', { dependencies: { '@x/high': '1.0.0' } }));
    write('packages/low/src/index.ts', "export type Two = typeof import('@x/high').two;\nexport const one = 1;\n");
    expect(messages()).toContain("packages/low/src/index.ts: imports '@x/high' upward: @x/high is listed after @x/low in docs/architecture.md");
  });

  it('fails on a sideEffects flag that lies, either way', () => {
    write('packages/low/src/index.ts', "export const one = 1;\nif (one) console.log('loaded');\n");
    expect(messages()).toEqual(['packages/low/package.json: sideEffects is false, but these files run code on import: ./dist/index.js']);
    write('packages/low/src/index.ts', 'export const one = 1;\n');
    write('packages/high/src/register.ts', "export const registeredAs = 'one';\n");
    write('packages/high/src/node.ts', "import './index.js';\n");
    expect(messages()).toEqual([
      'packages/high/package.json: sideEffects leaves out files that run code on import: ./dist/node.js',
      'packages/high/package.json: sideEffects lists files that run nothing on import (or do not exist): ./dist/index.js, ./dist/register.js',
    ]);
    // A barrel that re-exports a registering file runs it on import, so it is listed too (not a type-only re-export).
    write('packages/high/src/register.ts', "export const registeredAs = 'one';\nconsole.log(registeredAs);\n");
    write('packages/high/src/node.ts', "export type { Low } from './types.js';\n");
    json('packages/high/package.json', manifest('@x/high', { dependencies: { '@x/low': '1.0.0' }, sideEffects: ['./dist/register.js'] }));
    expect(messages()).toEqual(['packages/high/package.json: sideEffects leaves out files that run code on import: ./dist/index.js']);
    json('packages/low/package.json', { ...manifest('@x/low', { devDependencies: { '@x/high': '1.0.0' } }), sideEffects: true });
    expect(messages()).toContain('packages/low/package.json: sideEffects is true; it must be false');
  });

  it('fails when tsconfig paths drift from the exports, and derives the aliases from the exports', () => {
    json('tsconfig.json', { compilerOptions: { paths: { '@x/low': ['packages/low/src/main.ts'], '@x/high': ['packages/high/src/index.ts'], '@x/gone': ['x.ts'] } } });
    expect(messages()).toEqual([
      'tsconfig.json: paths lacks \'@x/high/node\' (exported by its package): add ["packages/high/src/node.ts"]',
      'tsconfig.json: paths[\'@x/low\'] is ["packages/low/src/main.ts"], the package exports ["packages/low/src/index.ts"]',
      'tsconfig.json: paths lacks \'@x/low/node\' (exported by its package): add ["packages/low/src/node.ts"]',
      "tsconfig.json: paths['@x/gone'] is not an entry any package exports",
    ]);
    const aliases = sourceAliases(root);
    expect(aliases.map((a) => [a.find.test('@x/high/node'), path.relative(root, a.replacement)])).toEqual([
      [false, path.join('packages/high/src/index.ts')], [true, path.join('packages/high/src/node.ts')],
      [false, path.join('packages/low/src/index.ts')], [false, path.join('packages/low/src/node.ts')],
    ]);
  });

  it('picks the browser entry where a package has one, and names a broken export', () => {
    const m = manifest('@x/low', { devDependencies: { '@x/high': '1.0.0' } });
    m.exports['.'] = { browser: { types: './dist/browser.d.ts', default: './dist/browser.js' }, types: './dist/index.d.ts', import: './dist/index.js' } as never;
    json('packages/low/package.json', m);
    write('packages/low/src/browser.ts', 'export const one = 1;\n');
    const low = (c: 'import' | 'browser') => workspaceEntries(root, c).filter((e) => e.specifier === '@x/low').map((e) => e.dist);
    expect(low('import')).toEqual(['./dist/index.js']);
    expect(low('browser')).toEqual(['./dist/browser.js']);
    m.exports['./node'] = { import: './lib/node.js' } as never;
    json('packages/low/package.json', m);
    expect(() => checkWorkspace(root)).toThrow(/packages\/low\/package\.json: exports\['\.\/node'\] has no '\.\/dist\/….js' target for 'import'/);
  });
});
