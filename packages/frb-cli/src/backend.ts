// Choosing the tfjs backend for CLI runs through @frb/layers/node's initBackend: 'auto' takes
// tfjs-node(-gpu) when installed, else wasm (with the native conv kernels where they build), else cpu.
// FRB_BACKEND in the environment overrides the choice (initBackend's rule).
import { initBackend, nativeBuildMessage, type BackendPreference } from '@frb/layers/node';
import { UsageError, type CliContext } from './context.js';

export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

/** Selects the backend; a first-time native kernel build is announced on the command's stderr. */
export async function useBackend(cmd: string, name: string | undefined, ctx: CliContext): Promise<string> {
  const want = name ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(want)) {
    throw new UsageError(`frb ${cmd}: --backend must be one of ${BACKENDS.join(', ')}, got '${want}'`);
  }
  return initBackend(want as BackendPreference, { onNativeBuild: (info) => ctx.stderr.write(`${cmd}: ${nativeBuildMessage(info).replace(/^@frb\/layers: /, '')}`) });
}
