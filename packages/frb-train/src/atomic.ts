// Atomic file writes: a kill leaves the old file or the new one, never a cut one (checkpoints, logs, run
// configs, evaluation results and pages). Written beside the target (same file system), flushed, renamed.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now().toString(36)}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new Error(`could not write "${file}": ${(e as Error).message}`, { cause: e });
  }
}
