// The packages as a consumer meets them: require() gets an error saying the packages are ESM-only and what to
// do; the README's snippets run when pasted into a fresh ESM project (against the built dist/, as installed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const packages = readdirSync(join(repo, 'packages')).filter((d) => existsSync(join(repo, 'packages', d, 'package.json')));
const manifest = (d: string) => JSON.parse(readFileSync(join(repo, 'packages', d, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };

describe('5. ESM-only, said where it matters', () => {
  it('require() of every entry of every package fails with an error that says ESM-only and how to import instead', () => {
    for (const d of packages) {
      const { name, exports } = manifest(d);
      for (const sub of Object.keys(exports).filter((k) => k !== './package.json')) {
        const spec = sub === '.' ? name : `${name}/${sub.slice(2)}`;
        const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(spec)})`], { cwd: repo, encoding: 'utf8' });
        expect(r.status, spec).not.toBe(0);
        expect(r.stderr, spec).toContain(`${name} is an ES module (ESM-only) and cannot be require()d`);
        expect(r.stderr, spec).toContain(`await import('${name}')`);
      }
      expect(readFileSync(join(repo, 'packages', d, 'README.md'), 'utf8'), `${d}/README.md`).toMatch(/ESM-only/);
    }
  }, 600_000); // nine fresh Node processes: minutes on a loaded machine
});

// The README's ```ts blocks, each pasted alone into a fresh { "type": "module" } project whose node_modules
// holds the workspace packages (their dist/, as npm installs them) and the tfjs peers.
const distBuilt = packages.every((d) => existsSync(join(repo, 'packages', d, 'dist', 'index.js')));
describe.skipIf(!distBuilt)('4. README snippets run when pasted into a fresh project (needs the build: npm run build)', () => {
  const blocks = [...readFileSync(join(repo, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

  let proj = '';
  beforeAll(() => {
    proj = mkdtempSync(join(tmpdir(), 'frb-fresh-'));
    writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'fresh', private: true, type: 'module' }));
    mkdirSync(join(proj, 'node_modules', '@frb'), { recursive: true });
    mkdirSync(join(proj, 'node_modules', '@tensorflow'), { recursive: true });
    for (const d of packages) symlinkSync(join(repo, 'packages', d), join(proj, 'node_modules', '@frb', manifest(d).name.split('/')[1]!));
    for (const t of readdirSync(join(repo, 'node_modules', '@tensorflow'))) symlinkSync(join(repo, 'node_modules', '@tensorflow', t), join(proj, 'node_modules', '@tensorflow', t));
  });
  afterAll(() => rmSync(proj, { recursive: true, force: true }));

  it('the README has snippets', () => expect(blocks.length).toBeGreaterThanOrEqual(3));
  for (const [i, code] of blocks.entries()) {
    it(`README snippet ${i + 1} runs to the end`, () => {
      const file = join(proj, `snippet-${i + 1}.mts`);
      writeFileSync(file, `${code}\nconsole.log('snippet ${i + 1} ran to the end');\n`);
      const r = spawnSync(join(repo, 'node_modules', '.bin', 'tsx'), [file], {
        cwd: proj, encoding: 'utf8', env: { ...process.env, FRB_BACKEND: 'cpu', FRB_NATIVE: '0' },
      });
      expect(r.status, `README snippet ${i + 1}:\n${code}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`snippet ${i + 1} ran to the end`);
    }, 900_000);
  }
});
