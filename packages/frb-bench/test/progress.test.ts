import { describe, expect, it } from 'vitest';
import { Progress, formatDuration } from '@frb/bench';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 200, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WritableStream & { isTTY: boolean } };
}

describe('progress bar', () => {
  it('draws bar, counts and an ETA from the average step time on a TTY', () => {
    let t = 0;
    const { chunks, stream } = fakeStream(true);
    const p = new Progress(4, 'eval', { stream, now: () => t, throttleMs: 0 });
    t = 10_000;
    p.tick(1, 'baby');
    expect(p.eta()).toBeCloseTo(30, 10); // 10 s per step, 3 left
    expect(chunks.at(-1)).toContain('eval [######------------------] 1/4 0:10 eta 0:30 baby');
    t = 15_000;
    p.note('tile 3');
    expect(chunks.at(-1)).toContain('1/4 0:15 eta 0:45 tile 3');
    t = 20_000;
    p.tick(3);
    expect(chunks.at(-1)).toContain('4/4 0:20 eta 0:00');
    p.finish();
    p.finish();
    expect(chunks.at(-1)).toBe('\n');
    expect(chunks.filter((c) => c === '\n')).toHaveLength(1);
  });

  it('off a TTY (logs, pipes, CI) appends a plain line with done/total and ETA every logEveryMs, nothing for short runs', () => {
    let t = 0;
    const quiet = fakeStream(false);
    const q = new Progress(3, 'x', { stream: quiet.stream, now: () => t });
    t = 9_000;
    q.tick();
    q.tick();
    q.finish();
    expect(quiet.chunks).toEqual([]);
    expect(q.line()).toMatch(/^x \[.*\] 2\/3/);

    t = 0;
    const { chunks, stream } = fakeStream(false);
    const p = new Progress(6, 'eval', { stream, now: () => t });
    t = 4_000;
    p.tick(1, 'baby');
    expect(chunks).toEqual([]);
    t = 10_000;
    p.tick(1, 'bird');
    expect(chunks).toEqual(['eval: 2/6 0:10 eta 0:20 bird\n']); // 5 s per image, 4 left
    t = 15_000;
    p.tick(1);
    expect(chunks).toHaveLength(1);
    t = 20_000;
    p.note('tile 2');
    expect(chunks.at(-1)).toBe('eval: 3/6 0:20 eta 0:20 tile 2\n');
    t = 24_000;
    p.tick(3);
    p.finish();
    expect(chunks.at(-1)).toBe('eval: 6/6 done in 0:24\n');
    expect(chunks.join('')).not.toMatch(/\r|\x1b/);
  });

  it('formats durations and rejects a bad total', () => {
    expect(formatDuration(59.6)).toBe('1:00');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('--:--');
    expect(() => new Progress(-1, 'x')).toThrow(/total must be a non-negative integer/);
  });
});
