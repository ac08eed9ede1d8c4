// The line chart of chart.ts (the scatter is tested in tables.test.ts and seeded.test.ts).
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { linearTicks, lineChartSvg, writeChart } from '@frb/bench';

describe('lineChartSvg', () => {
  it('maps points into each panel, skips non-finite values, and marks an empty panel', () => {
    const svg = lineChartSvg({
      title: 'run <a>', xLabel: 'iteration', xMax: 100, width: 410, height: 400,
      panels: [
        { yLabel: 'loss', height: 200, series: [{ label: 'L1', color: '#111', points: [[0, 1], [50, Number.NaN], [100, 0]] }] },
        { yLabel: 'PSNR', height: 100, series: [{ label: 'val', color: '#222', points: [] }] },
      ],
    });
    // Panel 1: x 80..380 (width 410 − 110), y 50..250; y range [0, 1] padded by 8% → 0 at 234.6, 1 at 65.4.
    const d = /<path d="([^"]+)" fill="none" stroke="#111"/.exec(svg)?.[1];
    const y = (v: number) => (50 + 200 - ((v + 0.08) / 1.16) * 200).toFixed(1);
    expect(d).toBe(`M80.0,${y(1)} L380.0,${y(0)}`);
    expect(svg.match(/<circle /g)).toHaveLength(2); // the NaN point is left out
    expect(svg).toContain('>run &lt;a&gt;</text>');
    // Panel 2 starts below panel 1 plus the 45 px gap, and says it has nothing.
    expect(svg).toContain('<rect x="80" y="295" width="300" height="100" fill="none" stroke="#333"/>');
    expect(svg).toContain('no data yet');
    expect(() => lineChartSvg({ title: 't', xLabel: 'x', xMax: 1, panels: [] })).toThrow(/at least one panel/);
  });

  it('ticks are nice steps covering the range, without float noise', () => {
    expect(linearTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(linearTicks(0.1, 0.7, 6)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(linearTicks(5, 5, 5)).toEqual([5]); // a flat series still gets a tick
  });

  it('writeChart writes SVG as text and anything else as PNG', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'frb-chart-'));
    try {
      const svg = lineChartSvg({ title: 't', xLabel: 'x', xMax: 2, panels: [{ yLabel: 'y', height: 200, series: [{ label: 's', color: '#000', points: [[0, 1], [2, 3]] }] }] });
      await writeChart(path.join(dir, 'a', 'c.svg'), svg);
      expect(await readFile(path.join(dir, 'a', 'c.svg'), 'utf8')).toBe(svg);
      await writeChart(path.join(dir, 'c.png'), svg);
      const png = await readFile(path.join(dir, 'c.png'));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect((await stat(path.join(dir, 'c.png'))).size).toBeGreaterThan(1000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
