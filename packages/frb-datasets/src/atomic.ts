// Whole-or-nothing file writes: the bytes go to a temporary file in the target's own folder (same file system,
// so the final step is a rename, not a copy), are fsynced, and only then take the target's name. A process
// killed at any moment leaves either the old file or the new one, never a truncated one; at worst a
// `.<name>.<pid>.<random>.tmp` file is left beside it.
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Replace an existing file (default true). With false an existing file is an error and is left as it was. */
  overwrite?: boolean;
}

/** The error writeFileAtomic throws (code 'EEXIST') when the target exists and overwrite is false. */
export class FileExistsError extends Error {
  readonly code = 'EEXIST';
  constructor(readonly file: string) {
    super(`"${file}" already exists; not overwritten`);
    this.name = 'FileExistsError';
  }
}

/** Writes `data` to `file` atomically (parent folders created); see the top of this file. */
export async function writeFileAtomic(file: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (opts.overwrite === false) {
      // link() fails if the name is taken, so a file that appeared meanwhile is still never replaced.
      try {
        await link(tmp, file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExistsError(file);
        throw err;
      }
    } else {
      await rename(tmp, file);
    }
    await syncDir(dir);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** fsync the folder so the rename itself survives a power cut (not possible on every platform: skipped there). */
async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows cannot open folders; the rename is still atomic there.
  } finally {
    await fh?.close();
  }
}
