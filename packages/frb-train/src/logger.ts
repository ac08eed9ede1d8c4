// The training log: one JSON object per line (JSONL), appended as the run goes, so a killed run keeps
// everything up to its last line. On resume, lines past the checkpoint's iteration are dropped so the log
// (and the curve drawn from it) shows one trajectory.
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@frb/datasets';

export interface LogRecord {
  /** 'train' (loss lines), 'val' (validation), 'event' (start, resume, checkpoint, stop). */
  kind: 'train' | 'val' | 'event';
  iter: number;
  [k: string]: unknown;
}

export class JsonlLogger {
  constructor(readonly file: string) {}

  async write(rec: LogRecord): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, JSON.stringify({ ...rec, time: new Date().toISOString() }) + '\n');
  }

  /** All records (a torn last line from a kill is skipped). */
  async read(): Promise<LogRecord[]> {
    if (!existsSync(this.file)) return [];
    const out: LogRecord[] = [];
    for (const line of (await readFile(this.file, 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as LogRecord);
      } catch {
        // a partial line written when the process was killed
      }
    }
    return out;
  }

  /** Keeps records up to `iter` (atomic rewrite); later ones belong to the work lost since the checkpoint. */
  async truncateAfter(iter: number): Promise<void> {
    const keep = (await this.read()).filter((r) => r.iter <= iter);
    await writeFileAtomic(this.file, keep.map((r) => JSON.stringify(r) + '\n').join(''));
  }

  /** Starts a fresh log (a new run in the same folder). */
  async reset(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await writeFile(this.file, '');
  }
}
