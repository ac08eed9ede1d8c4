// frb doctor: what a run would use on this machine — backend, native kernels (built, cached, or why not),
// threads, tfjs package versions, the data folder — for bug reports and "why is it slow" questions.
import { createRequire } from 'node:module';
import os from 'node:os';
import { getNativeStatus, nativeCacheInfo } from '@frb/layers/node';
import { flag, str } from '../args.js';
import { EXIT_OK } from '../context.js';
import { availableSets, dataRoot } from '../data-root.js';
import { useBackend } from '../backend.js';
import { jsonText } from '../output.js';
import { defineCommand } from './command.js';

const HELP = `Usage: frb doctor [options]

Print what frb runs with here: Node and CPUs, the tfjs backend that --backend picks, the native conv
kernels (on and where cached, or why not; a first run compiles them), threads, the versions of the tfjs
packages, and the data folder with the benchmark sets found in it.

Options:
  --backend B          auto (default), wasm, cpu, tensorflow
  --data DIR           data root (default $FRB_DATA or ../shared/data)
  --json               print the facts as JSON
  -h, --help           this help
`;

const TFJS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

function installedVersion(pkg: string): string | null {
  const req = createRequire(import.meta.url);
  try {
    return (req(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

export const doctorCommand = defineCommand({
  name: 'doctor',
  help: HELP,
  options: { backend: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' } },
  positionals: false,
  async run(p, ctx) {
    let before: ReturnType<typeof nativeCacheInfo>;
    try {
      before = nativeCacheInfo();
    } catch (err) {
      before = err instanceof Error ? err.message : String(err);
    }
    const backend = await useBackend('doctor', str(p, 'backend'), ctx);
    const st = getNativeStatus();
    const native =
      backend === 'tensorflow'
        ? { state: 'not used', detail: 'the tensorflow backend brings its own kernels' }
        : st.active
          ? { state: 'on', detail: `${typeof before === 'object' && before.built ? 'cached' : 'compiled now'}: ${st.path}` }
          : { state: 'off', detail: st.reason ?? 'unknown' };
    const root = dataRoot(ctx, str(p, 'data'));
    const from = str(p, 'data') ? '--data' : ctx.env.FRB_DATA ? '$FRB_DATA' : 'default';
    let sets: string[] | null = null;
    for (const b of [`${root}/benchmark`, root]) {
      try {
        sets = availableSets(b);
        if (sets.length) break;
      } catch {
        // not a folder
      }
    }
    const facts = {
      node: `${process.version} (${process.platform} ${process.arch})`,
      cpus: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
      backend,
      backendFrom: str(p, 'backend') ? '--backend' : process.env.FRB_BACKEND ? '$FRB_BACKEND' : 'auto',
      native: { ...native, threads: st.threads },
      tfjs: Object.fromEntries(TFJS.map((k) => [k.replace('@tensorflow/', ''), installedVersion(k)])),
      data: { root, from, sets },
    };
    if (flag(p, 'json')) {
      ctx.stdout.write(jsonText(facts));
      return EXIT_OK;
    }
    const versions = Object.entries(facts.tfjs).map(([k, v]) => `${k} ${v ?? '(not installed)'}`).join(', ');
    ctx.stdout.write(
      [
        `node       ${facts.node}, ${facts.cpus} CPUs`,
        `backend    ${backend} (from ${facts.backendFrom})`,
        `native     ${native.state}, ${st.threads} thread${st.threads === 1 ? '' : 's'} (FRB_THREADS), ${native.detail}`,
        `tfjs       ${versions}`,
        `data       ${root} (${from}): ${sets === null ? 'not found' : sets.length ? `sets ${sets.join(', ')}` : 'no benchmark sets'}`,
        '',
      ].join('\n'),
    );
    return EXIT_OK;
  },
});
