/**
 * Sign-bit packing for XNOR-popcount inference (Larq Compute Engine convention): +1 → bit 0, −1 → bit 1,
 * 32 values per Int32 word along the input-channel axis. A dot product of two ±1 vectors of length K is then
 * K − 2·popcount(a XOR w). Bits past the last channel are 0 in both operands, so they never count.
 *
 * Rows (one per output pixel for activations, one per (base, output channel) for weights) are laid out tap by
 * tap: tap t = ky·kw + kx occupies words [t·wordsPerTap, (t+1)·wordsPerTap). The row length is padded to an even
 * number of words so the same buffers can be read as 64-bit words by the WebAssembly kernel.
 */

/** Number of set bits of a 32-bit word (SWAR; exact for any int32). */
export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Words holding `channels` sign bits. */
export function wordsFor(channels: number): number {
  return Math.ceil(channels / 32);
}

/** Row length in words for `taps` taps of `channels` channels, rounded up to an even count (64-bit reads). */
export function rowWords(taps: number, channels: number): number {
  const w = taps * wordsFor(channels);
  return w + (w & 1);
}

/**
 * Packs the sign bits of a channels-last activation tensor [pixels, channels] after the RSign threshold:
 * bit = 1 where x + b < 0 (or is NaN), i.e. sign(x + b) = −1 with sign(0) = +1, the float simulation's rule.
 * x + b is rounded to float32 first, as the float simulation's tf.add does. Rows are `stride` words apart
 * (default: just the channel words); extra words stay 0.
 */
export function packActivations(
  x: Float32Array, pixels: number, channels: number, threshold: Float32Array | null, stride = wordsFor(channels),
): Int32Array {
  const wpt = wordsFor(channels);
  if (stride < wpt) throw new Error(`packActivations: row stride ${stride} is shorter than ${wpt} words`);
  if (x.length < pixels * channels) throw new Error(`packActivations: ${x.length} values, expected ${pixels * channels}`);
  const packed = new Int32Array(pixels * stride);
  let src = 0;
  // x + b in double has the sign of its float32 rounding (a nonzero sum of two float32s is a multiple of
  // 2^-149, never rounded to 0), so no Math.fround is needed; NaN fails v >= 0 and packs as −1.
  const th = threshold ?? new Float32Array(channels);
  for (let p = 0; p < pixels; p++) {
    let dst = p * stride;
    for (let w = 0; w < wpt; w++) {
      const end = Math.min(32, channels - w * 32);
      const t0 = w * 32;
      let word = 0;
      for (let b = 0; b < end; b++) word |= (x[src + b] + th[t0 + b] >= 0 ? 0 : 1) << b;
      packed[dst++] = word;
      src += end;
    }
  }
  return packed;
}

/**
 * Packs ±1 weight signs into rows: `signs` is a kernel [taps, cin, cout] flattened channels-last (the tfjs
 * conv kernel [kh, kw, cin, cout] or dense kernel [cin, units] with taps = 1). Row o gets the bits of output
 * channel o, tap-major. Returns [cout × rowWords(taps, cin)] words.
 */
export function packWeightSigns(signs: ArrayLike<number>, taps: number, cin: number, cout: number): Int32Array {
  const wpt = wordsFor(cin);
  const L = rowWords(taps, cin);
  const rows = new Int32Array(cout * L);
  for (let t = 0; t < taps; t++) {
    for (let c = 0; c < cin; c++) {
      const base = (t * cin + c) * cout;
      const word = t * wpt + (c >>> 5);
      const bit = 1 << (c & 31);
      for (let o = 0; o < cout; o++) {
        const s = signs[base + o];
        if (s !== 1 && s !== -1) throw new Error(`packWeightSigns: weight signs must be ±1, got ${s} at tap ${t}, channel ${c}, output ${o}`);
        if (s < 0) rows[o * L + word] |= bit;
      }
    }
  }
  return rows;
}

/** Inverse of {@link packWeightSigns}: the ±1 kernel [taps, cin, cout] (channels-last), for inspection and tests. */
export function unpackWeightSigns(rows: Int32Array, taps: number, cin: number, cout: number): Float32Array {
  const wpt = wordsFor(cin);
  const L = rowWords(taps, cin);
  if (rows.length !== cout * L) throw new Error(`unpackWeightSigns: expected ${cout * L} words, got ${rows.length}`);
  const out = new Float32Array(taps * cin * cout);
  for (let t = 0; t < taps; t++) {
    for (let c = 0; c < cin; c++) {
      for (let o = 0; o < cout; o++) {
        out[(t * cin + c) * cout + o] = (rows[o * L + t * wpt + (c >>> 5)] >>> (c & 31)) & 1 ? -1 : 1;
      }
    }
  }
  return out;
}

/**
 * Per-tap sums of the ±1 weights, Σ_c s[t, c, o], from packed rows: [rows][taps]. Used to correct border
 * pixels, whose zero-padded taps the kernel counted as +1 activations.
 */
export function tapSums(rows: Int32Array, nRows: number, taps: number, cin: number): Float64Array {
  const wpt = wordsFor(cin);
  const L = rowWords(taps, cin);
  const out = new Float64Array(nRows * taps);
  for (let r = 0; r < nRows; r++) {
    for (let t = 0; t < taps; t++) {
      let neg = 0;
      for (let w = 0; w < wpt; w++) neg += popcount32(rows[r * L + t * wpt + w]);
      out[r * taps + t] = cin - 2 * neg;
    }
  }
  return out;
}

/**
 * Changes the row length of packed rows (extra words are 0; dropped words must be 0). Stored kernels use
 * `taps × wordsFor(cin)` words per row, 1 bit per weight; the kernels read rows padded to an even length.
 */
export function restrideRows(rows: Int32Array, nRows: number, from: number, to: number): Int32Array {
  if (rows.length !== nRows * from) throw new Error(`restrideRows: expected ${nRows * from} words, got ${rows.length}`);
  if (from === to) return rows.slice();
  const out = new Int32Array(nRows * to);
  const keep = Math.min(from, to);
  for (let r = 0; r < nRows; r++) {
    for (let j = keep; j < from; j++) {
      if (rows[r * from + j] !== 0) throw new Error(`restrideRows: row ${r} has bits in word ${j}, past the new length ${to}`);
    }
    out.set(rows.subarray(r * from, r * from + keep), r * to);
  }
  return out;
}

/**
 * Rows of `from` words (taps × wpt words, then padding) → rows of taps × tapWords words, each tap's wpt words
 * followed by zeros: the layout of a bit image whose pixels take tapWords words (an even count, for 64-bit reads).
 */
export function padTapWords(rows: Int32Array, nRows: number, from: number, taps: number, wpt: number, tapWords: number): Int32Array {
  if (rows.length !== nRows * from) throw new Error(`padTapWords: expected ${nRows * from} words, got ${rows.length}`);
  if (tapWords < wpt || from < taps * wpt) throw new Error(`padTapWords: ${taps} taps of ${wpt} words do not fit`);
  const out = new Int32Array(nRows * taps * tapWords);
  for (let r = 0; r < nRows; r++) {
    for (let t = 0; t < taps; t++) {
      for (let j = 0; j < wpt; j++) out[(r * taps + t) * tapWords + j] = rows[r * from + t * wpt + j];
    }
  }
  return out;
}
