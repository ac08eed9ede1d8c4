// A one-line progress bar with ETA for anything that runs longer than a few seconds. On a TTY the line is
// redrawn in place; elsewhere (logs, pipes, CI) a plain line with done/total and ETA is appended at most every
// `logEveryMs` (10 s by default), so short runs print nothing and long ones show they are alive.

export interface ProgressOptions {
  /** Where to draw; default process.stderr (stdout stays clean for --json). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Force drawing on or off; default: only when `stream.isTTY`. */
  enabled?: boolean;
  /** Minimum milliseconds between redraws. Default 100. */
  throttleMs?: number;
  /** Not on a TTY: milliseconds between appended lines (default 10000; 0 for none). */
  logEveryMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/** Format seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export class Progress {
  readonly total: number;
  readonly label: string;
  readonly enabled: boolean;
  private done = 0;
  private readonly start: number;
  private lastDraw = -Infinity;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly throttleMs: number;
  private readonly now: () => number;
  private finished = false;
  private readonly logEveryMs: number;
  private lastLog: number;
  private logged = false;

  constructor(total: number, label: string, opts: ProgressOptions = {}) {
    if (!(Number.isInteger(total) && total >= 0)) throw new Error(`Progress: total must be a non-negative integer, got ${total}`);
    this.total = total;
    this.label = label;
    this.stream = opts.stream ?? process.stderr;
    this.enabled = opts.enabled ?? Boolean(this.stream.isTTY);
    this.throttleMs = opts.throttleMs ?? 100;
    this.now = opts.now ?? (() => performance.now());
    this.start = this.now();
    this.logEveryMs = opts.logEveryMs ?? 10_000;
    this.lastLog = this.start;
  }

  /** Seconds left at the current average rate (NaN before the first step). */
  eta(): number {
    if (this.done === 0) return NaN;
    const elapsed = (this.now() - this.start) / 1000;
    return (elapsed / this.done) * (this.total - this.done);
  }

  /** The line that would be drawn now. */
  line(info = ''): string {
    const width = 24;
    const frac = this.total === 0 ? 1 : Math.min(1, this.done / this.total);
    const fill = Math.round(frac * width);
    const elapsed = (this.now() - this.start) / 1000;
    const bar = '#'.repeat(fill) + '-'.repeat(width - fill);
    const tail = info ? ` ${info}` : '';
    return `${this.label} [${bar}] ${this.done}/${this.total} ${formatDuration(elapsed)} eta ${formatDuration(this.eta())}${tail}`;
  }

  /** Advance by `n` steps and redraw (throttled). */
  tick(n = 1, info = ''): void {
    this.done = Math.min(this.total, this.done + n);
    if (!this.enabled) {
      this.log(info);
      return;
    }
    const t = this.now();
    if (this.done < this.total && t - this.lastDraw < this.throttleMs) return;
    this.lastDraw = t;
    const cols = this.stream.columns ?? 120;
    this.stream.write(`\r${this.line(info).slice(0, Math.max(20, cols - 1))}\x1b[K`);
  }

  /** Redraw with new info without advancing (e.g. tiles of a large image); throttled. */
  note(info: string): void {
    this.tick(0, info);
  }

  /** Finish the line (newline) so later output starts clean; off a TTY, a last line if any were appended. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.enabled) this.stream.write('\n');
    else if (this.logged) this.stream.write(`${this.label}: ${this.done}/${this.total} done in ${formatDuration((this.now() - this.start) / 1000)}\n`);
  }

  /** Off a TTY: one plain line when logEveryMs has passed since the last. */
  private log(info: string): void {
    if (this.logEveryMs <= 0 || this.finished) return;
    const t = this.now();
    if (t - this.lastLog < this.logEveryMs) return;
    this.lastLog = t;
    this.logged = true;
    const elapsed = formatDuration((t - this.start) / 1000);
    this.stream.write(`${this.label}: ${this.done}/${this.total} ${elapsed} eta ${formatDuration(this.eta())}${info ? ` ${info}` : ''}\n`);
  }
}
