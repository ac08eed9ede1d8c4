// The packed binary conv (XNOR-popcount), the inference form of an SRB conv; JS side: src/packed/xnor-native.ts.
#include <memory>
#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "frb_native.h"

namespace frb {
namespace {

// ---- packed binary conv (XNOR-popcount), the inference form of an SRB conv ----
// out[p][o] = bias[o] + Σ_k α_k[o] · (K_p − 2·Σ_{valid taps t} popcount(a_{p,t} XOR w_{k,t,o})), K_p = valid taps · Ci.
// Activation bits: 1 where x + threshold < 0 (sign(0) = +1), 32 channels per u32 word (a 32-channel layer fills
// its words; 64-bit words would be half empty). Taps that fall in the zero padding are skipped, which is exactly
// the float simulation's zero padding (no border correction needed); the valid taps of a pixel form one ky range
// and one kx range.
// Weights: u32 words laid out [tap][word][lane], lane = base·Co + o padded with zero lanes to a multiple of 16, so
// one 512-bit vector holds 16 (base, channel) lanes and every base is counted in the same pass over the bits.
// With AVX-512 VPOPCNTDQ (checked at run time) a block of P pixels × V lane vectors stays in registers across
// all taps, so each weight vector loaded serves P pixels and each activation word V·16 lanes; other CPUs run the
// portable loop. Both give the same integers and the same epilogue arithmetic, hence the same output.
constexpr int kLanes = 16;
// The most pixels a register block of the vector path holds (RowConv picks 3, 4 or 6); the general epilogue's counts
// buffer holds that many pixels' lanes.
constexpr int kMaxBlockPixels = 6;

inline int padded_lanes(int order, int Co) { return (order * Co + kLanes - 1) / kLanes * kLanes; }

// Sign bits of one pixel's channels: bit c of word c/32 = !(x[c] + thr[c] >= 0) (NaN → 1, sign(0) = +1).
inline void pack_pixel(const float* xp, const float* thr, int Ci, uint32_t* dst) {
  const int A = (Ci + 31) / 32;
  for (int j = 0; j < A; j++) {
    const int c0 = j * 32, c1 = std::min(Ci, c0 + 32);
    uint32_t word = 0;
    int c = c0;
#if defined(__AVX512F__)
    for (; c + 16 <= c1; c += 16) {
      __m512 v = _mm512_loadu_ps(xp + c);
      if (thr) v = _mm512_add_ps(v, _mm512_loadu_ps(thr + c));
      word |= (uint32_t)_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NGE_UQ) << (c - c0);
    }
#elif defined(__AVX2__)
    for (; c + 8 <= c1; c += 8) {
      __m256 v = _mm256_loadu_ps(xp + c);
      if (thr) v = _mm256_add_ps(v, _mm256_loadu_ps(thr + c));
      word |= (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NGE_UQ)) << (c - c0);
    }
#endif
    for (; c < c1; c++) { float v = thr ? xp[c] + thr[c] : xp[c]; word |= (uint32_t)!(v >= 0.f) << (c - c0); }
    dst[j] = word;
  }
}

// The sign bits of a row of W pixels (the same operations, so the same bits, as pack_pixel per pixel). At 32 and 64
// channels (FRBC's widths) each word is two 16-lane compares with the threshold held in registers for the whole
// row, instead of pack_pixel's loops and its reloads of the threshold per pixel.
#if defined(__AVX512F__)
template <int A, bool Thr>
inline void pack_row_words(const float* xr, const float* thr, int W, uint32_t* dst) {
  __m512 t[2 * A];
  for (int v = 0; v < 2 * A; v++) t[v] = Thr ? _mm512_loadu_ps(thr + 16 * v) : _mm512_setzero_ps();
  for (int ix = 0; ix < W; ix++, xr += 32 * A, dst += A) {
    for (int j = 0; j < A; j++) {
      __m512 lo = _mm512_loadu_ps(xr + 32 * j), hi = _mm512_loadu_ps(xr + 32 * j + 16);
      if (Thr) { lo = _mm512_add_ps(lo, t[2 * j]); hi = _mm512_add_ps(hi, t[2 * j + 1]); }
      dst[j] = (uint32_t)_mm512_cmp_ps_mask(lo, _mm512_setzero_ps(), _CMP_NGE_UQ) |
               (uint32_t)_mm512_cmp_ps_mask(hi, _mm512_setzero_ps(), _CMP_NGE_UQ) << 16;
    }
  }
}
#endif

inline void pack_row(const float* xr, const float* thr, int W, int Ci, uint32_t* dst) {
#if defined(__AVX512F__)
  if (Ci == 32) return thr ? pack_row_words<1, true>(xr, thr, W, dst) : pack_row_words<1, false>(xr, thr, W, dst);
  if (Ci == 64) return thr ? pack_row_words<2, true>(xr, thr, W, dst) : pack_row_words<2, false>(xr, thr, W, dst);
#endif
  const int A = (Ci + 31) / 32;
  for (int ix = 0; ix < W; ix++) pack_pixel(xr + (size_t)ix * Ci, thr, Ci, dst + (size_t)ix * A);
}

// The epilogue of one output pixel: out[c] = bias[c] + Σ_k α_k[c] · (K − 2·acc[k·Co + c]), summed in double (the
// counts are exact integers and each product α·(K − 2·count) is exact in double) and rounded to float32 once;
// then, for a deployed BBCU/FRB unit (binary conv → RPReLU → add the unit's input), t = y − γ,
// y = (t < 0 ? t·β : t) + ζ (layers/rprelu.ts) and y += res, each step rounded to float32 as the separate RPReLU
// and Add kernels round it (no FMA contraction: fp-contract=off), so the fused output equals the unfused one bit
// for bit. One function serves both, so the conv part is the same code.
// With shuffle r > 1 (a deployed binary upsampler stage: conv C → C·r² → RPReLU → PixelShuffle(r), plus the
// stage input enlarged r× by nearest neighbour), output channel ch = (i·r + j)·C + c of pixel (oy, ox) is written
// to pixel (oy·r + i, ox·r + j), channel c, of out [N][Ho·r][Wo·r][C] (depth-to-space; the layer orders its
// output channels so), and res [N][Ho][Wo][C] is read at (oy, ox, c): the enlargement costs no pass of its own.
// With leaky (a unit followed by LeakyReLU, FRBC-M's conv_hr unit and the tail's activation), y = y > 0 ? y :
// leaky·y last, as the LeakyRelu kernel computes it (conv.cc), so the result is that kernel's output bit for bit.
struct UnitEpilogue {
  const float *gamma, *slope, *zeta;  // RPReLU [Co] each, or all null
  const float* res;                   // residual [N][Ho][Wo][Co / shuffle²], or null
  int shuffle;                        // r >= 1 (1: out and res are [N][Ho][Wo][Co])
  const float* leaky;                 // [1]: the LeakyReLU slope applied after everything else, or null
};

// What every pixel of one call shares: geometry, the packed bits, weights, and the epilogue's inputs.
struct XnorCall {
  Geo g;
  int order, A, Rp;            // u32 words per pixel, lanes per tap word (padded)
  const uint32_t* w;           // [tap][A][Rp]
  // The same words with each 16-channel chunk's bases side by side ([tap][A][chunk][base][16]), for the path that
  // runs the epilogue on the counts in registers (count_fused_avx512), or null where that path does not apply.
  const uint32_t* wChunks;
  const double *alpha, *bias;  // α [order·Co] and bias [Co] (zeros when none) in double, as the sums are formed
  UnitEpilogue unit;
  float* out;       // where output pixel (of C = Co / shuffle² channels) p goes: out + (p − outBase)·C
  int64_t outBase;  // the first output pixel of the row being computed (RowConv)
  int64_t resBase;  // 0, or the first conv pixel of the row whose residual unit.res holds (the fused tail)
};

// The fused path needs every register block of lanes to hold whole chunks (16 channels, all bases) that each land
// in one contiguous group of the output: order 1 or 2, Co and the shuffle's group size C multiples of 16.
inline bool chunked_epilogue(int order, int Co, int shuffle) {
  return (order == 1 || order == 2) && Co % 16 == 0 && (Co / (shuffle * shuffle)) % 16 == 0;
}

// Output pixels (n, oy, ox .. ox + P − 1), all with valid taps ky ∈ [ky0, ky1), kx ∈ [kx0, kx1).
struct PixelBlock {
  const uint32_t* const* rows;  // rows[ky]: the bits of input row oy·sH − pT + ky·dH of image n (valid ky only)
  int oy, ox, ky0, ky1, kx0, kx1;
  int K(int Ci) const { return (ky1 - ky0) * (kx1 - kx0) * Ci; }
};

// The output pixel that conv pixel m's channel group ij = i·r + j goes to (m itself without a shuffle).
inline size_t out_pixel(const XnorCall& c, int64_t m, int ij) {
  const int r = c.unit.shuffle;
  if (r == 1) return (size_t)(m - c.outBase);
  const Geo& g = c.g;
  const int64_t hw = (int64_t)g.Ho * g.Wo, n = m / hw, oy = (m % hw) / g.Wo, ox = m % g.Wo;
  return (size_t)((((n * g.Ho + oy) * r + ij / r) * g.Wo + ox) * r + ij % r - c.outBase);
}

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off", "no-trapping-math")
// Out of line: GCC does not inline across the optimize pragma; one call per pixel is small next to its popcounts.
__attribute__((noinline)) void xnor_epilogue(const XnorCall& c, const int32_t* acc, int K, int64_t m) {
  const int Co = c.g.Co;
  const UnitEpilogue& u = c.unit;
  const int C = Co / (u.shuffle * u.shuffle);
  float* o = nullptr;
  for (int ch = 0; ch < Co; ch++) {
    const int ij = ch / C, cc = ch % C;
    if (cc == 0) o = c.out + out_pixel(c, m, ij) * C;  // each group of C channels is contiguous in the output
    double s = c.bias[ch];
    for (int k = 0; k < c.order; k++) {
      const double d = (double)(K - 2 * acc[k * Co + ch]);
#if defined(__FMA__)
      s = __builtin_fma(c.alpha[k * Co + ch], d, s);
#else
      s += c.alpha[k * Co + ch] * d;  // exact product: FMA or not, the same sum
#endif
    }
    float y = (float)s;
    if (u.gamma) {
      const float t = y - u.gamma[ch], neg = t * u.slope[ch];
      y = (t < 0.f ? neg : t) + u.zeta[ch];
    }
    if (u.res) y += u.res[(size_t)(m - c.resBase) * C + cc];
    if (u.leaky) y = y > 0.f ? y : u.leaky[0] * y;
    o[cc] = y;
  }
}
#pragma GCC pop_options

// Portable counting: one pixel, every lane.
void count_portable(const XnorCall& c, const PixelBlock& b, int32_t* acc) {
  const Geo& g = c.g;
  const int A = c.A, Rp = c.Rp, R = c.order * g.Co;
  std::fill(acc, acc + R, 0);
  for (int ky = b.ky0; ky < b.ky1; ky++) {
    const uint32_t* row = b.rows[ky];
    for (int kx = b.kx0; kx < b.kx1; kx++) {
      const uint32_t* a = row + (size_t)(b.ox * g.sW - g.pL + kx * g.dW) * A;
      const uint32_t* wt = c.w + (size_t)(ky * g.kW + kx) * A * Rp;
      for (int j = 0; j < A; j++, wt += Rp) {
        const uint32_t aj = a[j];
        for (int q = 0; q < R; q++) acc[q] += __builtin_popcount(aj ^ wt[q]);
      }
    }
  }
}

#if defined(__x86_64__)
#define FRB_XNOR_X86 1
#define FRB_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx512vpopcntdq")))

// Counts of P pixels × lanes [lane0, lane0 + 16·V) of weights w into dst[p·stride + lane − lane0] (32-bit lanes:
// counts < 2^31). Out of line, so that the P·V accumulators have the registers to themselves.
template <int P, int V>
FRB_AVX512 __attribute__((noinline)) void count_avx512(const XnorCall& c, const uint32_t* w, const PixelBlock& b, int lane0, int32_t* dst, size_t stride) {
  const Geo& g = c.g;
  const int A = c.A, Rp = c.Rp;
  const size_t pixStep = (size_t)g.sW * A;
  __m512i s[P][V];
#pragma GCC unroll 8
  for (int p = 0; p < P; p++)
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) s[p][v] = _mm512_setzero_si512();
  for (int ky = b.ky0; ky < b.ky1; ky++) {
    const uint32_t* row = b.rows[ky];
    for (int kx = b.kx0; kx < b.kx1; kx++) {
      const uint32_t* a = row + (size_t)(b.ox * g.sW - g.pL + kx * g.dW) * A;
      const uint32_t* wt = w + (size_t)(ky * g.kW + kx) * A * Rp + lane0;
      for (int j = 0; j < A; j++, wt += Rp) {
        __m512i av[P];
#pragma GCC unroll 8
        for (int p = 0; p < P; p++) av[p] = _mm512_set1_epi32((int)a[p * pixStep + j]);
#pragma GCC unroll 8
        for (int v = 0; v < V; v++) {
          const __m512i wv = _mm512_loadu_si512(wt + kLanes * v);
#pragma GCC unroll 8
          for (int p = 0; p < P; p++) s[p][v] = _mm512_add_epi32(s[p][v], _mm512_popcnt_epi32(_mm512_xor_si512(av[p], wv)));
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int p = 0; p < P; p++)
#pragma GCC unroll 8
    for (int v = 0; v < V; v++) _mm512_storeu_si512(dst + (size_t)p * stride + kLanes * v, s[p][v]);
}

// All lanes of P pixels, in register blocks of up to 8 vectors.
template <int P>
FRB_AVX512 void count_lanes_avx512(const XnorCall& c, const PixelBlock& b, int32_t* acc) {
  int lane0 = 0;
  for (; c.Rp - lane0 >= 8 * kLanes; lane0 += 8 * kLanes) count_avx512<P, 8>(c, c.w, b, lane0, acc + lane0, c.Rp);
  if (c.Rp - lane0 >= 4 * kLanes) { count_avx512<P, 4>(c, c.w, b, lane0, acc + lane0, c.Rp); lane0 += 4 * kLanes; }
  if (c.Rp - lane0 >= 2 * kLanes) { count_avx512<P, 2>(c, c.w, b, lane0, acc + lane0, c.Rp); lane0 += 2 * kLanes; }
  if (c.Rp - lane0 >= kLanes) count_avx512<P, 1>(c, c.w, b, lane0, acc + lane0, c.Rp);
}

// What the epilogue of 16 channels c0.. (mk: the channels that exist) reads besides the counts: bias and α (in
// double, two halves of 8) and RPReLU's γ, slope and ζ. Loaded once per chunk and register block of pixels on the
// fused path, once per pixel on the general one; zero-masked loads throughout (the plain intrinsics' undefined
// upper halves trip -Wuninitialized).
struct Chunk16 {
  __m512d biasLo, biasHi, alphaLo[2], alphaHi[2];
  __m512 gamma, slope, zeta;
};

template <int O>
FRB_AVX512 inline __attribute__((always_inline)) Chunk16 chunk16(const XnorCall& c, int c0, __mmask16 mk) {
  static_assert(O >= 0 && O <= 2, "Chunk16 holds the α of at most 2 bases (chunked_epilogue)");
  const int Co = c.g.Co;
  const __mmask8 m0 = (__mmask8)mk, m1 = (__mmask8)(mk >> 8);
  Chunk16 k;
  k.biasLo = _mm512_maskz_loadu_pd(m0, c.bias + c0);
  k.biasHi = _mm512_maskz_loadu_pd(m1, c.bias + c0 + 8);
  // O > 0: the α of O bases too (the fused path; the general one reads them per base, any order).
  for (int b = 0; b < 2; b++) {
    k.alphaLo[b] = b < O ? _mm512_maskz_loadu_pd(m0, c.alpha + b * Co + c0) : _mm512_setzero_pd();
    k.alphaHi[b] = b < O ? _mm512_maskz_loadu_pd(m1, c.alpha + b * Co + c0 + 8) : _mm512_setzero_pd();
  }
  const UnitEpilogue& u = c.unit;
  k.gamma = u.gamma ? _mm512_maskz_loadu_ps(mk, u.gamma + c0) : _mm512_setzero_ps();
  k.slope = u.gamma ? _mm512_maskz_loadu_ps(mk, u.slope + c0) : _mm512_setzero_ps();
  k.zeta = u.gamma ? _mm512_maskz_loadu_ps(mk, u.zeta + c0) : _mm512_setzero_ps();
  return k;
}

// The unit's steps after the conv on 16 channels c0.. of conv pixel m (mk: the channels that exist; cc: c0's
// place in its output group, o: where that group goes): RPReLU, the residual, LeakyReLU, the store, each rounded
// as the scalar epilogue rounds it.
FRB_AVX512 inline __attribute__((always_inline)) void unit_tail16(const XnorCall& c, const Chunk16& k, __m512 y, __mmask16 mk, int64_t m, int cc, int C, float* o) {
  const UnitEpilogue& u = c.unit;
  if (u.gamma) {
    const __m512 t = _mm512_sub_ps(y, k.gamma);
    const __m512 neg = _mm512_mul_ps(t, k.slope);
    y = _mm512_add_ps(_mm512_mask_blend_ps(_mm512_cmp_ps_mask(t, _mm512_setzero_ps(), _CMP_LT_OQ), t, neg), k.zeta);
  }
  if (u.res) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(mk, u.res + (size_t)(m - c.resBase) * C + cc));
  if (u.leaky) {
    const __mmask16 pos = _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GT_OQ);
    y = _mm512_mask_blend_ps(pos, _mm512_mul_ps(_mm512_set1_ps(u.leaky[0]), y), y);
  }
  if (mk == (__mmask16)0xffff) _mm512_storeu_ps(o + cc, y);
  else _mm512_mask_storeu_ps(o + cc, mk, y);
}

// One base's term of the conv sums of 16 channels (mk: the channels that exist), its counts at cnt: α·(K − 2·count)
// added to each half of 8 in double (each product exact).
FRB_AVX512 inline __attribute__((always_inline)) void add_base16(__m512d& lo, __m512d& hi, __m512d alphaLo, __m512d alphaHi, const int32_t* cnt, __m512i Kv, __mmask16 mk) {
  const __mmask8 m0 = (__mmask8)mk, m1 = (__mmask8)(mk >> 8);
  const __m512i n = _mm512_maskz_loadu_epi32(mk, cnt);
  const __m512i d = _mm512_sub_epi32(Kv, _mm512_add_epi32(n, n));
  lo = _mm512_fmadd_pd(alphaLo, _mm512_maskz_cvtepi32_pd(m0, _mm512_maskz_extracti32x8_epi32(0xff, d, 0)), lo);
  hi = _mm512_fmadd_pd(alphaHi, _mm512_maskz_cvtepi32_pd(m1, _mm512_maskz_extracti32x8_epi32(0xff, d, 1)), hi);
}

// The two halves rounded to float32 once.
FRB_AVX512 inline __attribute__((always_inline)) __m512 round16(__m512d lo, __m512d hi, __mmask16 mk) {
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_maskz_cvtpd_ps((__mmask8)mk, lo)), _mm512_maskz_cvtpd_ps((__mmask8)(mk >> 8), hi), 1);
}

// The conv part of the epilogue for 16 channels c0.. (k: their constants), count b of channel c0 + i at
// cnt[b·stride + i]: bias + Σ_b α_b·(K − 2·count_b) summed in double in two halves of 8 (bias first, then base by
// base), rounded to float32 once — the scalar epilogue's operations in its order, so its bits. O > 0: O bases,
// their α in k (the fused path); O = 0: `order` bases, α read here (the general path, any order).
template <int O>
FRB_AVX512 inline __attribute__((always_inline)) __m512 conv_sums16(const XnorCall& c, const Chunk16& k, const int32_t* cnt, size_t stride, int order,
                                                                   __m512i Kv, int c0, __mmask16 mk) {
  __m512d lo = k.biasLo, hi = k.biasHi;
  if constexpr (O > 0) {
    for (int b = 0; b < O; b++) add_base16(lo, hi, k.alphaLo[b], k.alphaHi[b], cnt + b * stride, Kv, mk);
  } else {
    const int Co = c.g.Co;
    for (int b = 0; b < order; b++) {
      add_base16(lo, hi, _mm512_maskz_loadu_pd((__mmask8)mk, c.alpha + b * Co + c0),
                 _mm512_maskz_loadu_pd((__mmask8)(mk >> 8), c.alpha + b * Co + c0 + 8), cnt + b * stride, Kv, mk);
    }
  }
  return round16(lo, hi, mk);
}

// The epilogue above, 16 channels per step: conv_sums16, then unit_tail16 for RPReLU, the residual and the store.
// Shuffle is a template flag so that the common case (no shuffle: one group of Co contiguous channels) compiles to
// the plain loop it was before the upsampler stage existed.
template <bool Shuffle>
FRB_AVX512 void xnor_epilogue_avx512(const XnorCall& c, const int32_t* acc, int K, int64_t m) {
  const int Co = c.g.Co;
  const int groups = Shuffle ? c.unit.shuffle * c.unit.shuffle : 1, C = Co / groups;
  const __m512i Kv = _mm512_set1_epi32(K);
  for (int ij = 0; ij < groups; ij++) {
    float* const o = c.out + (Shuffle ? out_pixel(c, m, ij) : (size_t)(m - c.outBase)) * C;
    for (int cc = 0; cc < C; cc += 16) {
      const int c0 = ij * C + cc;
      const int n = std::min(16, C - cc);
      const __mmask16 mk = n == 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
      const Chunk16 k = chunk16<0>(c, c0, mk);
      unit_tail16(c, k, conv_sums16<0>(c, k, acc + c0, Co, c.order, Kv, c0, mk), mk, m, cc, C, o);
    }
  }
}

// Counts and epilogue of P pixels, for a layer whose lanes come in whole chunks (chunked_epilogue): lanes
// [lane0, lane0 + 16·V) of wChunks are V/O chunks of 16 channels × O bases, so each chunk's counts lie side by side
// and the epilogue runs per chunk with no masks and the order known at compile time, not per pixel through
// xnor_epilogue_avx512 (the same add_base16, round16 and unit_tail16, so the same bits).
template <int P, int V, int O, bool Shuffle>
FRB_AVX512 void count_fused_avx512(const XnorCall& c, const PixelBlock& b, int lane0, int64_t m0) {
  static_assert(V % O == 0, "a register block holds whole chunks");
  alignas(64) int32_t acc[P][V * kLanes];
  count_avx512<P, V>(c, c.wChunks, b, lane0, &acc[0][0], V * kLanes);
  const int C = Shuffle ? c.g.Co / (c.unit.shuffle * c.unit.shuffle) : c.g.Co;
  const __m512i Kv = _mm512_set1_epi32(b.K(c.g.Ci));
  // Chunk by chunk, its constants loaded once for the block's P pixels.
#pragma GCC unroll 8
  for (int q = 0; q < V / O; q++) {
    const int c0 = (lane0 / (kLanes * O) + q) * kLanes;  // the chunk's first channel
    const Chunk16 k = chunk16<O>(c, c0, (__mmask16)0xffff);
#pragma GCC unroll 8
    for (int p = 0; p < P; p++) {
      const int64_t m = m0 + p;
      const __m512 y = conv_sums16<O>(c, k, &acc[p][q * O * kLanes], kLanes, O, Kv, c0, (__mmask16)0xffff);
      float* const o = c.out + (Shuffle ? out_pixel(c, m, c0 / C) : (size_t)(m - c.outBase)) * C;
      unit_tail16(c, k, y, (__mmask16)0xffff, m, c0 % C, C, o);
    }
  }
}

// All lanes of P pixels on the fused path, in register blocks of up to 8 vectors (each a whole number of chunks).
template <int P, int O, bool Shuffle>
FRB_AVX512 void count_fused_lanes_avx512(const XnorCall& c, const PixelBlock& b, int64_t m0) {
  int lane0 = 0;
  for (; c.Rp - lane0 >= 8 * kLanes; lane0 += 8 * kLanes) count_fused_avx512<P, 8, O, Shuffle>(c, b, lane0, m0);
  if (c.Rp - lane0 >= 4 * kLanes) { count_fused_avx512<P, 4, O, Shuffle>(c, b, lane0, m0); lane0 += 4 * kLanes; }
  if (c.Rp - lane0 >= 2 * kLanes) { count_fused_avx512<P, 2, O, Shuffle>(c, b, lane0, m0); lane0 += 2 * kLanes; }
  if constexpr (O == 1) {
    if (c.Rp - lane0 >= kLanes) count_fused_avx512<P, 1, O, Shuffle>(c, b, lane0, m0);
  }
}

// One output row (n, oy) on the vector path: blocks of P interior pixels, single pixels at the borders. O > 0:
// the fused path with O bases (c.wChunks); 0: counts to acc, then the epilogue.
template <int P, int O, bool Shuffle>
FRB_AVX512 void xnor_row_avx512(const XnorCall& c, PixelBlock b, int oxLo, int oxHi, int64_t rowPix, int32_t* acc) {
  const Geo& g = c.g;
  for (int ox = 0; ox < g.Wo;) {
    b.ox = ox;
    const bool block = ox >= oxLo && ox + P <= oxHi;
    b.kx0 = 0; b.kx1 = g.kW;
    if (!block) {
      while (b.kx0 < g.kW && ox * g.sW - g.pL + b.kx0 * g.dW < 0) b.kx0++;
      while (b.kx1 > b.kx0 && ox * g.sW - g.pL + (b.kx1 - 1) * g.dW >= g.W) b.kx1--;
    }
    const int n = block ? P : 1;
    if constexpr (O > 0) {
      if (block) count_fused_lanes_avx512<P, O, Shuffle>(c, b, rowPix + ox);
      else count_fused_lanes_avx512<1, O, Shuffle>(c, b, rowPix + ox);
    } else {
      if (block) count_lanes_avx512<P>(c, b, acc);
      else count_lanes_avx512<1>(c, b, acc);
      for (int p = 0; p < n; p++) xnor_epilogue_avx512<Shuffle>(c, acc + (size_t)p * c.Rp, b.K(g.Ci), rowPix + ox + p);
    }
    ox += n;
  }
}

// The row function for P pixels per block, this call's path (fused with 1 or 2 bases, or not) and shuffle.
using RowFn = void (*)(const XnorCall&, PixelBlock, int, int, int64_t, int32_t*);
template <int P>
RowFn row_function(const XnorCall& c) {
  const bool sh = c.unit.shuffle > 1;
  if (c.wChunks && c.order == 1) return sh ? xnor_row_avx512<P, 1, true> : xnor_row_avx512<P, 1, false>;
  if (c.wChunks && c.order == 2) return sh ? xnor_row_avx512<P, 2, true> : xnor_row_avx512<P, 2, false>;
  return sh ? xnor_row_avx512<P, 0, true> : xnor_row_avx512<P, 0, false>;
}

bool cpu_has_avx512_vpopcnt() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512vpopcntdq");
  return has;
}
#else
bool cpu_has_avx512_vpopcnt() { return false; }
#endif

// dst[0, n) = src[0, n), the 64-byte aligned middle of dst with non-temporal stores.
#if defined(FRB_XNOR_X86)
FRB_AVX512 void stream_copy_avx512(float* dst, const float* src, size_t n) {
  size_t i = 0;
  for (; i < n && ((uintptr_t)(dst + i) & 63) != 0; i++) dst[i] = src[i];
  for (; i + 16 <= n; i += 16) _mm512_stream_ps(dst + i, _mm512_loadu_ps(src + i));
  for (; i < n; i++) dst[i] = src[i];
}
#endif

// One conv computed a row at a time on one thread. The input's sign bits are packed row by row as the output rows
// need them, into a small ring (the rows one output row's taps span), not for the whole input first: the float
// input row a unit reads again as its residual is then still in cache, and the bits never leave it. A caller that
// splits the rows among threads packs the few rows two parts share twice (the same bits).
// path: 0 = the fastest this CPU runs, 1 = the portable loop (tests compare the two).
class RowConv {
 public:
  RowConv(const XnorCall& base, const float* thr, int path)
      : base_(base), thr_(thr), span_((base.g.kH - 1) * base.g.dH + 1), rowWords_((size_t)base.g.W * base.A),
        ring_(new uint32_t[(size_t)span_ * rowWords_]), held_(span_, -1), rowPtr_(base.g.kH, nullptr),
        acc_((size_t)kMaxBlockPixels * base.Rp) {
    const Geo& g = base.g;
    // Output columns whose taps all fall inside the image along x.
    while (oxLo_ < g.Wo && oxLo_ * g.sW - g.pL < 0) oxLo_++;
    oxHi_ = g.Wo;
    while (oxHi_ > oxLo_ && (oxHi_ - 1) * g.sW - g.pL + (g.kW - 1) * g.dW >= g.W) oxHi_--;
#if defined(FRB_XNOR_X86)
    // Pixels per register block: 3 × 8 vectors, 6 × 4 (32 channels of order 2: the six broadcast words and one
    // weight vector fit beside the 24 accumulators, and each weight load serves six pixels), or 4 × ≤ 3.
    if (path == 0 && cpu_has_avx512_vpopcnt()) row_ = base.Rp >= 8 * kLanes ? row_function<3>(base) : base.Rp == 4 * kLanes ? row_function<6>(base) : row_function<4>(base);
#else
    (void)path;
#endif
  }

  // Conv row r (= n·Ho + oy) into dst, the row's Wo·Co outputs (with a shuffle, its r output rows, contiguous);
  // input(key) is the float row of input row key = n·H + ih; res: this row's residual (Wo·Co/shuffle² floats), or
  // null for the call's own, read at the conv pixel.
  template <typename Input>
  void row(int64_t r, const Input& input, float* dst, const float* res) {
    const Geo& g = base_.g;
    XnorCall c = base_;
    const int64_t rowPix = r * g.Wo;  // the row's first conv pixel
    c.out = dst;
    c.outBase = rowPix * c.unit.shuffle * c.unit.shuffle;
    if (res) { c.unit.res = res; c.resBase = rowPix; }
    PixelBlock b{};
    const int n = (int)(r / g.Ho);
    b.oy = (int)(r % g.Ho);
    b.ky0 = 0; b.ky1 = g.kH;
    while (b.ky0 < g.kH && b.oy * g.sH - g.pT + b.ky0 * g.dH < 0) b.ky0++;
    while (b.ky1 > b.ky0 && b.oy * g.sH - g.pT + (b.ky1 - 1) * g.dH >= g.H) b.ky1--;
    for (int ky = b.ky0; ky < b.ky1; ky++) {
      const int ih = b.oy * g.sH - g.pT + ky * g.dH;
      const int64_t key = (int64_t)n * g.H + ih;
      uint32_t* slot = ring_.get() + (size_t)(ih % span_) * rowWords_;
      if (held_[ih % span_] != key) {
        pack_row(input(key), thr_, g.W, g.Ci, slot);
        held_[ih % span_] = key;
      }
      rowPtr_[ky] = slot;
    }
    b.rows = rowPtr_.data();
#if defined(FRB_XNOR_X86)
    if (row_) { row_(c, b, oxLo_, oxHi_, rowPix, acc_.data()); return; }
#endif
    for (int ox = 0; ox < g.Wo; ox++) {
      b.ox = ox; b.kx0 = 0; b.kx1 = g.kW;
      while (b.kx0 < g.kW && ox * g.sW - g.pL + b.kx0 * g.dW < 0) b.kx0++;
      while (b.kx1 > b.kx0 && ox * g.sW - g.pL + (b.kx1 - 1) * g.dW >= g.W) b.kx1--;
      count_portable(c, b, acc_.data());
      xnor_epilogue(c, acc_.data(), b.K(g.Ci), rowPix + ox);
    }
  }

 private:
  const XnorCall& base_;
  const float* thr_;
  const int span_;  // ring slots: input row ih in slot ih % span
  const size_t rowWords_;
  // Every word of a slot is written when its row is packed, so the ring is left uninitialized.
  std::unique_ptr<uint32_t[]> ring_;
  std::vector<int64_t> held_;  // the input row (n·H + ih) each slot holds
  std::vector<const uint32_t*> rowPtr_;
  std::vector<int32_t> acc_;
  int oxLo_ = 0, oxHi_ = 0;
#if defined(FRB_XNOR_X86)
  RowFn row_ = nullptr;
#endif
};

// The whole conv, its output rows split among threads. An output larger than the last-level cache is staged a row
// at a time and copied out with non-temporal stores: nothing reads it before it would be evicted, and a normal store
// first reads each line.
void xnor_conv(const XnorCall& base, const float* x, const float* thr, int threads, int path) {
  const Geo& g = base.g;
  const size_t outBytes = (size_t)g.N * g.Ho * g.Wo * g.Co * sizeof(float);
  [[maybe_unused]] const bool stream = path == 0 && cpu_has_avx512_vpopcnt() && outBytes >= ((size_t)32 << 20);
  const size_t rowOut = (size_t)g.Wo * g.Co;  // one conv row's outputs (shuffled or not: one contiguous block)
  const auto input = [&](int64_t key) { return x + (size_t)key * g.W * g.Ci; };
  parallel(threads, (int64_t)g.N * g.Ho, [&](int, int64_t r0, int64_t r1) {
    RowConv rc(base, thr, path);
    std::unique_ptr<float[]> staged(stream ? new float[rowOut] : nullptr);
    for (int64_t r = r0; r < r1; r++) {
#if defined(FRB_XNOR_X86)
      if (stream) {
        rc.row(r, input, staged.get(), nullptr);
        stream_copy_avx512(base.out + (size_t)r * rowOut, staged.get(), rowOut);
        continue;
      }
#endif
      rc.row(r, input, base.out + (size_t)r * rowOut, nullptr);
    }
#if defined(FRB_XNOR_X86)
    if (stream) _mm_sfence();  // the non-temporal stores are visible before the call returns
#endif
  });
}

// What one conv call's XnorCall points to besides the caller's arrays: α and bias in double (the epilogue forms its
// sums in double), and the fused path's weights.
struct CallData {
  std::vector<double> alpha, bias;
  std::vector<uint32_t> chunks;
};

XnorCall make_call(const Geo& g, int order, const int32_t* wi, const float* alpha, const float* bias, const UnitEpilogue& unit,
                   float* out, int path, CallData& d) {
  const int A = (g.Ci + 31) / 32, Rp = padded_lanes(order, g.Co);
  d.alpha.assign(alpha, alpha + (size_t)order * g.Co);
  d.bias.assign(g.Co, 0.0);
  if (bias) std::copy(bias, bias + g.Co, d.bias.begin());
  // The fused path's weights: lane k·Co + 16·j + i moved to (j·order + k)·16 + i (Rp = order·Co, no padding).
  const uint32_t* w = reinterpret_cast<const uint32_t*>(wi);
  d.chunks.clear();
  if (path == 0 && cpu_has_avx512_vpopcnt() && chunked_epilogue(order, g.Co, unit.shuffle)) {
    d.chunks.resize((size_t)g.kH * g.kW * A * Rp);
    for (size_t t = 0; t < (size_t)g.kH * g.kW * A; t++)
      for (int k = 0; k < order; k++)
        for (int j = 0; j < g.Co / kLanes; j++)
          std::copy_n(w + t * Rp + k * g.Co + j * kLanes, kLanes, d.chunks.data() + t * Rp + (j * order + k) * kLanes);
  }
  return XnorCall{g, order, A, Rp, w, d.chunks.empty() ? nullptr : d.chunks.data(), d.alpha.data(), d.bias.data(), unit, out, 0, 0};
}

// A chain of convs run row by row in one pass, each level's input the previous level's output: binary units (a
// conv C → C, RPReLU, plus its input, optionally LeakyReLU) and binary upsampler stages (C → C·r², RPReLU, depth
// to space, plus the enlarged input), and last, optionally, the narrow float conv to RGB (C → Co ≤ 4, with bias).
// Every conv 3×3, stride 1, 'same'. Each thread keeps the last few output rows of every level but the last in a
// ring, so those outputs (at x4 the 1024² ones are 268 MB apiece at 64 channels) never leave the cache; the rows
// are made by the same row functions as xnorConv and conv2d, so the output is those calls' in turn, bit for bit.
// Each thread recomputes the rows its band shares with its neighbour's: one more row group at each level below the
// top, so a longer chain recomputes more (deployModel's bodyChain).
struct ChainLevel {
  bool narrow;          // the float conv to RGB (last level only)
  int H, W, C, r;       // input rows, columns, channels; upsampling factor (1: a unit or the conv to RGB)
  XnorCall call;        // binary levels: conv C → C·r², its epilogue
  const float* thr;     // binary levels: the RSign threshold, or null
  std::vector<float> wt;  // narrow: weights [tap][co][ci]
  const float* bias;      // narrow: [Co] or null
  int Co;                 // output channels (C for binary levels)
  int outRows() const { return H * r; }
  size_t rowLen() const { return (size_t)W * r * Co; }  // floats per output row
  // Ring slots for this level's output rows: the next level reads rows g − 1 .. g + 1, which touch at most two
  // groups of r rows (r ≥ 2), or three rows (r = 1).
  int slots() const { return r == 1 ? 3 : 2 * r; }
};

void xnor_chain(const std::vector<ChainLevel>& levels, const float* x, float* out, int threads, int path) {
  const int L = (int)levels.size();
  const ChainLevel& top = levels[L - 1];
  const int N = levels[0].call.g.N;
  const std::vector<float> zeros(top.C, 0.f);  // the narrow conv's padding taps
  parallel(threads, (int64_t)N * top.H, [&](int, int64_t t0, int64_t t1) {
    std::vector<std::unique_ptr<RowConv>> rc(L);
    std::vector<std::unique_ptr<float[]>> ring(L);
    std::vector<std::vector<int64_t>> held(L);
    for (int l = 0; l < L; l++) {
      if (!levels[l].narrow) rc[l].reset(new RowConv(levels[l].call, levels[l].thr, path));
      if (l < L - 1) {
        ring[l].reset(new float[(size_t)levels[l].slots() * levels[l].rowLen()]);
        held[l].assign(levels[l].slots(), -1);
      }
    }
    // Output row y of level l (< L − 1) of image n, in its ring.
    const auto slot = [&](int l, int64_t y) { return ring[l].get() + (size_t)(y % levels[l].slots()) * levels[l].rowLen(); };
    // Input row (n·H + ih) of level l: x, or the previous level's ring.
    const auto input = [&](int l) {
      return [&, l](int64_t key) -> const float* {
        return l == 0 ? x + (size_t)key * levels[0].W * levels[0].C : slot(l - 1, key % levels[l].H);
      };
    };
    std::function<void(int, int, int)> ensure;
    // Makes level l − 1's rows g − 1 .. g + 1 of image n (those inside the image) ready for level l's conv row g.
    const auto inputsOf = [&](int l, int n, int g) {
      if (l == 0) return;
      for (int s = std::max(g - 1, 0); s <= std::min(g + 1, levels[l].H - 1); s++) ensure(l - 1, n, s);
    };
    ensure = [&](int l, int n, int y) {
      const ChainLevel& lv = levels[l];
      const int64_t key = (int64_t)n * lv.outRows() + y;
      if (held[l][y % lv.slots()] == key) return;
      const int g = y / lv.r, first = g * lv.r;
      inputsOf(l, n, g);
      const int64_t in = (int64_t)n * lv.H + g;
      rc[l]->row(in, input(l), slot(l, first), input(l)(in));
      for (int i = 0; i < lv.r; i++) held[l][(first + i) % lv.slots()] = key - y + first + i;
    };
    const float* rowp[3];
    for (int64_t t = t0; t < t1; t++) {
      const int n = (int)(t / top.H), g = (int)(t % top.H);
      inputsOf(L - 1, n, g);
      if (!top.narrow) {
        // The last level's r output rows go straight to the output tensor.
        rc[L - 1]->row(t, input(L - 1), out + (size_t)t * top.r * top.rowLen(), input(L - 1)(t));
        continue;
      }
      const int lo = std::max(g - 1, 0), hi = std::min(g + 1, top.H - 1);
      for (int h = lo; h <= hi; h++) rowp[h - lo] = slot(L - 2, h);
      // One output row: the input rows lo .. hi, the row above padding on the first row (pT = 1).
      const Geo gr{1, hi - lo + 1, top.W, top.C, 3, 3, 1, 1, 1, 1, lo - (g - 1), 1, 1, top.W, top.Co};
      conv_narrow_rows(rowp, top.wt.data(), zeros.data(), top.bias, out + (size_t)t * top.rowLen(), gr);
    }
  });
}

// xnorConv(params [threads, ...geometry, order, path?, shuffle?], x [N][H][W][Ci], threshold [Ci] | null,
//          weights Int32Array ([tap][⌈Ci/32⌉ words][lane], lane = base·Co + o, padded with zeros to a multiple of
//          16 lanes), alpha [order·Co], bias [Co] | null, out [N][Ho][Wo][Co], gamma | null, slope | null,
//          zeta | null ([Co] each: the fused RPReLU, all or none), residual [N][Ho][Wo][Co / shuffle²] | null (added
//          after RPReLU), leaky [1] | null (a LeakyReLU slope applied last, shuffle 1 only)); out is
//          [N][Ho·shuffle][Wo·shuffle][Co / shuffle²] (see UnitEpilogue).
// path (optional, default 0): 0 runs the fastest path this CPU has, 1 the portable loop. shuffle (optional,
// default 1): the depth-to-space factor r of a fused upsampler stage; Co must be a multiple of r².
napi_value XnorConv(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native xnorConv(params Int32Array[threads, ...geometry, order, path?, shuffle?], x, threshold|null, weights Int32Array, alpha, bias|null, out, gamma|null, slope|null, zeta|null, residual|null, leaky|null)", 2 + kGeoInts);
  const Geo g = a.geo();
  const int order = a.dim(1 + kGeoInts, 1);
  a.dim(4, 1);   // Ci
  a.dim(15, 1);  // Co
  const int path = a.nparams() > 2 + kGeoInts ? a.dim(2 + kGeoInts) : 0;
  if (a.ok() && path > 1) a.invalid("params[" + std::to_string(2 + kGeoInts) + "] (path) must be 0 (fastest) or 1 (portable), got " + std::to_string(path));
  const int shuffle = a.nparams() > 3 + kGeoInts ? a.dim(3 + kGeoInts, 1) : 1;
  if (a.ok() && g.Co % (shuffle * shuffle) != 0) {
    a.invalid("Co (" + std::to_string(g.Co) + ") must be a multiple of shuffle² (shuffle " + std::to_string(shuffle) + ")");
  }
  const int A = (g.Ci + 31) / 32, Rp = padded_lanes(order, g.Co);
  const size_t outN = (size_t)g.N * g.Ho * g.Wo * g.Co, resN = outN / ((size_t)shuffle * shuffle);
  const float* x = a.f32(1, "x", (size_t)g.N * g.H * g.W * g.Ci);
  const float* thr = a.f32(2, "threshold", g.Ci, true);
  const int32_t* wi = a.i32(3, "weights", (size_t)g.kH * g.kW * A * Rp);
  const float* alpha = a.f32(4, "alpha", (size_t)order * g.Co);
  const float* bias = a.f32(5, "bias", g.Co, true);
  float* out = a.f32(6, "out", outN);
  UnitEpilogue unit{a.f32(7, "gamma", g.Co, true), a.f32(8, "slope", g.Co, true), a.f32(9, "zeta", g.Co, true),
                    a.f32(10, "residual", resN, true), shuffle, a.f32(11, "leaky", 1, true)};
  const int rprelu = (unit.gamma != nullptr) + (unit.slope != nullptr) + (unit.zeta != nullptr);
  if (a.ok() && rprelu != 0 && rprelu != 3) {
    a.invalid("gamma, slope and zeta (the fused RPReLU) must be given together or all be null");
  }
  if (a.ok() && unit.leaky && shuffle != 1) a.invalid("leaky (a LeakyReLU after the unit) needs shuffle 1, got shuffle " + std::to_string(shuffle));
  if (!a.ok()) return a.fail();
  CallData keep;
  const XnorCall c = make_call(g, order, wi, alpha, bias, unit, out, path, keep);
  xnor_conv(c, x, thr, a.threads(), path);
  return nullptr;
}

// xnorChain(params [threads, N, H, W, C, levels, path, then per level: kind (0 binary, 1 the conv to RGB), r (the
//          upsampling factor of a binary level, 1 for a unit), order (binary) or Co (the conv to RGB)],
//          x [N][H][W][C], then per binary level: threshold [C] | null, weights (xnorConv's layout for C → C·r², lanes
//          in depth-to-space order when r > 1), alpha [order·C·r²], bias [C·r²] | null, gamma, slope, zeta [C·r²],
//          leaky [1] | null (r = 1 only); per conv to RGB (the last level only; C a multiple of 16, Co <= 4): w
//          [3][3][C][Co], bias [Co] | null; then out [N][H·R][W·R][Co] (R the product of the levels' r, Co = C
//          unless the last level is the conv to RGB)):
// the output of the levels' xnorConv calls (residual: the level's input) and conv2d in turn (xnor_chain), every
// conv 3×3, stride 1, 'same'.
napi_value XnorChain(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native xnorChain(params Int32Array[threads, N, H, W, C, levels, path, ...per level: kind, r, order|Co], x, ...per binary level: threshold|null, weights, alpha, bias|null, gamma, slope, zeta, leaky|null; per conv to RGB: w, bias|null; out)", 7);
  const int N = a.dim(1, 1), H0 = a.dim(2, 1), W0 = a.dim(3, 1), C0 = a.dim(4, 1), L = a.dim(5, 1);
  const int path = a.dim(6);
  if (a.ok() && path > 1) a.invalid("params[6] (path) must be 0 (fastest) or 1 (portable), got " + std::to_string(path));
  if (a.ok() && a.nparams() < 7 + 3 * (size_t)L) a.invalid("params must hold 3 ints per level (" + std::to_string(L) + " levels)");
  if (!a.ok()) return a.fail();
  const float* x = a.f32(1, "x", (size_t)N * H0 * W0 * C0);
  std::vector<ChainLevel> levels(L);
  std::vector<CallData> keep(L);
  size_t arg = 2;
  int H = H0, W = W0, C = C0;
  for (int l = 0; l < L && a.ok(); l++) {
    ChainLevel& lv = levels[l];
    const std::string at = "level " + std::to_string(l) + " ";
    const int kind = a.dim(7 + 3 * l), r = a.dim(8 + 3 * l, 1), third = a.dim(9 + 3 * l, 1);
    lv.narrow = kind == 1;
    lv.H = H; lv.W = W; lv.C = C; lv.r = lv.narrow ? 1 : r;
    if (a.ok() && kind > 1) a.invalid(at + "kind must be 0 (binary) or 1 (the conv to RGB), got " + std::to_string(kind));
    if (lv.narrow) {
      if (a.ok() && (l != L - 1 || third > 4 || C % 16 != 0)) {
        a.invalid(at + "(the conv to RGB) must be the last level, with Co <= 4 and C a multiple of 16; got Co " + std::to_string(third) + ", C " + std::to_string(C));
      }
      lv.Co = third;
      const Geo g{1, 3, W, C, 3, 3, 1, 1, 1, 1, 0, 1, 1, W, lv.Co};
      const float* w = a.f32(arg++, (at + "w").c_str(), (size_t)9 * C * lv.Co);
      lv.bias = a.f32(arg++, (at + "bias").c_str(), lv.Co, true);
      if (a.ok()) lv.wt = narrow_weights(w, g);
    } else {
      const int order = third, Cu = C * r * r;
      lv.Co = C;
      const Geo g{N, H, W, C, 3, 3, 1, 1, 1, 1, 1, 1, H, W, Cu};
      lv.thr = a.f32(arg++, (at + "threshold").c_str(), C, true);
      const int32_t* wi = a.i32(arg++, (at + "weights").c_str(), (size_t)9 * ((C + 31) / 32) * padded_lanes(order, Cu));
      const float* alpha = a.f32(arg++, (at + "alpha").c_str(), (size_t)order * Cu);
      const float* bias = a.f32(arg++, (at + "bias").c_str(), Cu, true);
      const float* gamma = a.f32(arg++, (at + "gamma").c_str(), Cu);
      const float* slope = a.f32(arg++, (at + "slope").c_str(), Cu);
      const float* zeta = a.f32(arg++, (at + "zeta").c_str(), Cu);
      const float* leaky = a.f32(arg++, (at + "leaky").c_str(), 1, true);
      if (a.ok() && leaky && r != 1) a.invalid(at + "leaky needs r = 1, got r " + std::to_string(r));
      // The residual pointer marks that the level has one; RowConv::row points it at the level's input row.
      const UnitEpilogue u{gamma, slope, zeta, x, r, leaky};
      if (a.ok()) lv.call = make_call(g, order, wi, alpha, bias, u, nullptr, path, keep[l]);
    }
    H *= lv.r; W *= lv.r; C = lv.Co;
  }
  float* out = a.f32(arg, "out", (size_t)N * H * W * C);
  if (!a.ok()) return a.fail();
  xnor_chain(levels, x, out, a.threads(), path);
  return nullptr;
}

}  // namespace

void register_xnor(napi_env env, napi_value exports) {
  export_function(env, exports, "xnorConv", XnorConv);
  export_function(env, exports, "xnorChain", XnorChain);
  // Whether xnorConv runs its vector-popcount path on this CPU (AVX-512 VPOPCNTDQ, checked at run time); without
  // it the portable loop is slower than the wasm kernel, so the packed layers' 'auto' choice skips native.
  napi_value has;
  napi_get_boolean(env, cpu_has_avx512_vpopcnt(), &has);
  napi_set_named_property(env, exports, "xnorVectorPopcount", has);
}

}  // namespace frb
