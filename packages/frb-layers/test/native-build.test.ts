// The native tier must build wherever it can: with a C++ compiler and Node's headers present (CI has both) a failed
// build is a failure here, not a silent fallback to the portable tier. Also checks the one argument convention of
// the compiled functions (native/frb_native.h): bad arguments throw, naming the function and the argument.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNativeKernels, nativeSourceDir, nativeSources } from '../src/kernels/native/loader.js';
import { NATIVE_FUNCTIONS } from '../src/kernels/native/module.js';

const cxx = process.env.CXX || 'g++';
const compiler = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
const hasCompiler = compiler.status === 0;
const disabled = process.env.FRB_NATIVE === '0';

describe('native sources', () => {
  it('ship as C++ files in the package (its "files" lists native/)', () => {
    const files = nativeSources().map((f) => path.basename(f));
    expect(files).toEqual(['conv.cc', 'frb_native.h', 'fused.cc', 'module.cc', 'xnor.cc']);
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] };
    expect(pkg.files).toContain('native');
    expect(nativeSourceDir()).toBe(path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'native') + path.sep);
  });
});

describe.skipIf(!hasCompiler || disabled)(
  `native tier build (${disabled ? 'skipped: FRB_NATIVE=0' : hasCompiler ? `${cxx} present, so it must build` : `skipped: no ${cxx}`})`,
  () => {
    const r = loadNativeKernels();

    it('builds and exports every function', () => {
      expect(r.reason).toBeNull();
      expect(r.native).not.toBeNull();
      for (const f of NATIVE_FUNCTIONS) expect(typeof r.native![f]).toBe('function');
    });

    it('built without warnings (-Wall -Wextra; -Werror under CI=true)', () => {
      // Empty also when the module came from the cache: a cached module was built by the same flags, which under
      // CI include -Werror.
      expect(r.warnings ?? '').toBe('');
    });

    it('computes: colsum of a 3x2 matrix', () => {
      const out = new Float32Array(2);
      r.native!.colsum(new Int32Array([1, 3, 2]), Float32Array.from([1, 2, 3, 4, 5, 6]), out);
      expect(Array.from(out)).toEqual([9, 12]);
    });

    it('rejects bad arguments, naming the function and the argument', () => {
      const n = r.native!;
      expect(() => n.colsum(new Int32Array([1, 3, 2]), new Float32Array(6), new Float32Array(1))).toThrow(
        /colsum\(.*\): argument 2 \(out\) has 1 elements, needs 2/,
      );
      expect(() => n.colsum(new Float32Array(3) as unknown as Int32Array, new Float32Array(6), new Float32Array(2))).toThrow(
        /argument 0 \(params\) must be an Int32Array/,
      );
      // A conv geometry with stride 0 (params[7] is sH).
      const geo = [1, 4, 4, 2, 3, 3, 0, 1, 1, 1, 1, 1, 4, 4, 2];
      expect(() => n.conv2d(new Int32Array([1, ...geo]), new Float32Array(32), new Float32Array(36), null, new Float32Array(32))).toThrow(
        /conv2d\(.*\): params\[7\] must be >= 1, got 0/,
      );
      expect(() => n.rsignGrad(new Int32Array([1, 2, 2, 3]), new Float32Array(1), new Float32Array(4), new Float32Array(4), null, new Float32Array(4), null)).toThrow(
        /params\[3\] \(kind\) must be 1 \(steSign\) or 2 \(approxSign\)/,
      );
      expect(() => n.transpose(new Int32Array([1, 2, 2, 3, 0, 0]), new Float32Array(6), new Float32Array(6))).toThrow(/perm/);
    });
  },
);
