// npm run bench:compare -- --ref <commit> [--rounds 3] [--keep] [--pin CPUS] -- <bench> [bench args]
//
// Runs one of this repo's benchmarks (bench:train, bench:infer, ...) on an earlier commit and on this checkout,
// alternately (ABBA order, so a drift in machine load falls on both), and prints each timing's median over the
// rounds side by side with the ratio after/before. The earlier commit is checked out as a detached git worktree
// under the OS temp folder and given its own `npm ci` (its lockfile, its dependencies); --keep leaves it there for
// the next comparison. The bench runs with --json; every numeric leaf named *_ms (wall_ms, cpu_ms, median_ms,
// forward_ms, train_step_ms; not min_ms/max_ms) present on both sides is compared. Lines over +5% are marked.
// --pin CPUS runs both sides under `taskset -c CPUS` (Linux): on a 2-core machine a single-threaded bench that the
// scheduler moves between cores, next to whatever else runs, spreads its rounds far more than the 5% it is judged by.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npm run bench:compare -- --ref <commit> [--rounds N] [--keep] [--pin CPUS] -- <bench> [bench args]';

interface Options { ref: string; rounds: number; keep: boolean; pin?: string; bench: string; benchArgs: string[] }

function parseOptions(argv: string[]): Options {
  const dash = argv.indexOf('--');
  const own = dash >= 0 ? argv.slice(0, dash) : argv;
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  const val = (name: string) => {
    const i = own.indexOf(`--${name}`);
    return i >= 0 ? own[i + 1] : undefined;
  };
  const ref = val('ref');
  if (!ref) throw new Error(`bench:compare: --ref is required\n${USAGE}`);
  const rounds = Number(val('rounds') ?? '3');
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`bench:compare: --rounds must be a positive integer (got '${val('rounds')}')`);
  const [bench, ...benchArgs] = rest;
  if (!bench || !bench.startsWith('bench:')) throw new Error(`bench:compare: name a bench:* script after '--' (got '${bench ?? ''}')\n${USAGE}`);
  const pin = val('pin');
  if (pin !== undefined) {
    if (!/^\d+([-,]\d+)*$/.test(pin)) throw new Error(`bench:compare: --pin takes a CPU list for taskset -c, e.g. 1 or 0-1 (got '${pin}')`);
    if (spawnSync('taskset', ['-c', pin, 'true']).status !== 0) throw new Error(`bench:compare: --pin ${pin}: 'taskset -c ${pin}' does not run here (Linux util-linux, and CPUs that exist)`);
  }
  return { ref, rounds, keep: own.includes('--keep'), pin, bench, benchArgs };
}

/** A detached worktree of `ref` with its own dependencies installed; reused when it is already there. */
function beforeTree(ref: string): { dir: string; sha: string } {
  const sha = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const dir = path.join(os.tmpdir(), `frb-bench-before-${sha.slice(0, 12)}`);
  if (!existsSync(dir)) execFileSync('git', ['worktree', 'add', '--detach', dir, sha], { cwd: repoRoot, stdio: 'inherit' });
  if (!existsSync(path.join(dir, 'node_modules'))) {
    console.error(`bench:compare: npm ci in ${dir} (${sha.slice(0, 12)})`);
    execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  }
  return { dir, sha };
}

/** Runs the bench with --json in `dir` and returns its *_ms leaves by path. */
function runBench(dir: string, o: Options): Map<string, number> {
  const npm = ['npm', 'run', '--silent', o.bench, '--', ...o.benchArgs, '--json'];
  const [cmd, ...cmdArgs] = o.pin ? ['taskset', '-c', o.pin, ...npm] : npm;
  const r = spawnSync(cmd, cmdArgs, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`bench:compare: ${o.bench} failed in ${dir} (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  const start = r.stdout.indexOf('{');
  if (start < 0) throw new Error(`bench:compare: ${o.bench} in ${dir} printed no JSON`);
  const out = new Map<string, number>();
  const walk = (v: unknown, at: string) => {
    const key = at.slice(at.lastIndexOf('.') + 1);
    // min and max of a bench's own runs are single samples, too noisy to compare
    if (typeof v === 'number' && /(^|_)ms$/.test(key) && key !== 'min_ms' && key !== 'max_ms') out.set(at, v);
    else if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
  };
  walk(JSON.parse(r.stdout.slice(start)), '');
  // A bench may repeat a timing as a summary (bench:train's first config at the top level): keep the full path only.
  const paths = [...out.keys()];
  for (const k of paths) if (paths.some((o) => o.endsWith(`.${k}`))) out.delete(k);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main(): void {
  const o = parseOptions(process.argv.slice(2));
  const before = beforeTree(o.ref);
  const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  const samples = { before: new Map<string, number[]>(), after: new Map<string, number[]>() };
  const load0 = os.loadavg();
  for (let r = 0; r < o.rounds; r++) {
    const order = r % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    for (const side of order) {
      const leaves = runBench(side === 'before' ? before.dir : repoRoot, o);
      for (const [k, v] of leaves) samples[side].set(k, [...(samples[side].get(k) ?? []), v]);
      console.error(`bench:compare: round ${r + 1}/${o.rounds}, ${side} done (load ${os.loadavg()[0].toFixed(2)})`);
    }
  }
  const load1 = os.loadavg();
  console.log(`${o.bench} ${o.benchArgs.join(' ')}: before ${before.sha.slice(0, 12)}, after ${head} (this checkout), ${o.rounds} rounds in ABBA order${o.pin ? `, both pinned to CPU ${o.pin}` : ''}; medians of the rounds (each itself the bench's median); load average ${load0.map((x) => x.toFixed(2)).join(' ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' ')} at the end.\n`);
  console.log('| timing | before ms (range over rounds) | after ms (range over rounds) | after / before (medians) |');
  console.log('| --- | ---: | ---: | ---: |');
  let over = 0;
  for (const [k, b] of samples.before) {
    const a = samples.after.get(k);
    if (!a) continue;
    const ratio = median(a) / median(b);
    if (ratio > 1.05) over++;
    const cell = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
    console.log(`| ${k} | ${cell(b)} | ${cell(a)} | ${ratio.toFixed(3)}${ratio > 1.05 ? ' (over +5%)' : ''} |`);
  }
  const onlyBefore = [...samples.before.keys()].filter((k) => !samples.after.has(k));
  const onlyAfter = [...samples.after.keys()].filter((k) => !samples.before.has(k));
  console.log(`\n${over} timing(s) over +5%; not compared (on one side only): ${onlyBefore.length} before, ${onlyAfter.length} after.`);
  if (!o.keep) execFileSync('git', ['worktree', 'remove', '--force', before.dir], { cwd: repoRoot });
}

main();
