// Choosing the tfjs backend for CLI runs through @frb/layers/node's initBackend: 'auto' takes
// tfjs-node(-gpu) when installed, else wasm (with the native conv kernels where they build), else cpu.
// FRB_BACKEND in the environment overrides the choice (initBackend's rule).
import { initBackend, nativeBuildMessage, type BackendPreference, type NativeCacheInfo } from '@frb/layers/node';
import { UsageError, type CliContext } from './context.js';

export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;

/** The --backend value as an initBackend preference; an unknown name is a usage error. */
export function backendPreference(cmd: string, name: string | undefined): BackendPreference {
  const want = name ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(want)) {
    throw new UsageError(`frb ${cmd}: --backend must be one of ${BACKENDS.join(', ')}, got '${want}'`);
  }
  return want as BackendPreference;
}

/** The line announcing a first-time native kernel build, as `cmd` prints it. */
export function nativeBuildLine(cmd: string, info: NativeCacheInfo): string {
  return `${cmd}: ${nativeBuildMessage(info).replace(/^@frb\/layers: /, '')}`;
}

/** Selects the backend; a first-time native kernel build is announced on the command's stderr. */
export async function useBackend(cmd: string, name: string | undefined, ctx: CliContext): Promise<string> {
  return initBackend(backendPreference(cmd, name), { onNativeBuild: (info) => ctx.stderr.write(nativeBuildLine(cmd, info)) });
}
