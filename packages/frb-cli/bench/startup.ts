// Start-up time of the installed bin: wall time of `node bin/frb.js <args>` (the compiled dist/), spawned
// afresh each run, so it includes Node's own start and every module the command loads.
// Usage: npm run bench:start -- [--runs N] [-- <frb args>]   (default args: --help; build first: npm run build)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';

const bin = fileURLToPath(new URL('../bin/frb.js', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
if (!existsSync(dist)) {
  console.error(`bench:start: ${dist} is missing; run 'npm run build' first`);
  process.exit(2);
}
const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const own = sep < 0 ? argv : argv.slice(0, sep);
const args = sep < 0 ? ['--help'] : argv.slice(sep + 1);
const ri = own.indexOf('--runs');
const runs = ri >= 0 ? Number(own[ri + 1]) : 9;
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`bench:start: --runs must be a positive integer, got '${own[ri + 1]}'`);
  process.exit(2);
}

const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  times.push((performance.now() - t0) / 1000);
  if (r.status !== 0) {
    console.error(`bench:start: 'frb ${args.join(' ')}' exited ${r.status}: ${r.stderr.toString().slice(0, 400)}`);
    process.exit(1);
  }
}
times.sort((a, b) => a - b);
const med = times.length % 2 ? times[(times.length - 1) / 2]! : (times[times.length / 2 - 1]! + times[times.length / 2]!) / 2;
console.log(
  `frb ${args.join(' ')}: ${runs} runs, min ${times[0]!.toFixed(3)} s, median ${med.toFixed(3)} s, max ${times[times.length - 1]!.toFixed(3)} s ` +
    `(load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`,
);
