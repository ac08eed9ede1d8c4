// The packed binary conv (XNOR-popcount), the inference form of an SRB conv; JS side: src/packed/xnor-native.ts.
#include <memory>
#include <vector>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "frb_native.h"

namespace frb {
namespace {

// ---- packed binary conv (XNOR-popcount), the inference form of an SRB conv ----
// out[p][o] = bias[o] + Σ_k α_k[o] · (K_p − 2·Σ_{valid taps t} popcount(a_{p,t} XOR w_{k,t,o})), K_p = valid taps · Ci.
// Activation bits: 1 where x + threshold < 0 (sign(0) = +1), 64 channels per word. Taps that fall in the zero
// padding are skipped, which is exactly the float simulation's zero padding (no border correction needed).
// Weights: u64 words laid out [tap][word][base][Co], so (base, Co) lanes are contiguous: with AVX-512 VPOPCNTDQ,
// interior pixels go two at a time with 32 lanes held in registers across all taps (~2x the auto-vectorized
// loop); border pixels and other CPUs use the plain loop (auto-vectorized, or scalar popcnt).

// Sign bits of one pixel's channels: bit c of word c/64 = !(x[c] + thr[c] >= 0) (NaN → 1, sign(0) = +1).
inline void pack_pixel(const float* xp, const float* thr, int Ci, uint64_t* dst) {
  const int W64 = (Ci + 63) / 64;
  for (int j = 0; j < W64; j++) {
    const int c0 = j * 64, c1 = std::min(Ci, c0 + 64);
    uint64_t word = 0;
    int c = c0;
#if defined(__AVX512F__)
    for (; c + 16 <= c1; c += 16) {
      __m512 v = _mm512_loadu_ps(xp + c);
      if (thr) v = _mm512_add_ps(v, _mm512_loadu_ps(thr + c));
      word |= (uint64_t)_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NGE_UQ) << (c - c0);
    }
#elif defined(__AVX2__)
    for (; c + 8 <= c1; c += 8) {
      __m256 v = _mm256_loadu_ps(xp + c);
      if (thr) v = _mm256_add_ps(v, _mm256_loadu_ps(thr + c));
      word |= (uint64_t)(uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NGE_UQ)) << (c - c0);
    }
#endif
    for (; c < c1; c++) { float v = thr ? xp[c] + thr[c] : xp[c]; word |= (uint64_t)!(v >= 0.f) << (c - c0); }
    dst[j] = word;
  }
}

// The epilogue of one output pixel: out[c] = bias[c] + Σ_k α_k[c] · (K − 2·acc[k·Co + c]), summed in double (the
// counts are exact integers) and rounded to float32 once; then, for a deployed BBCU/FRB unit (binary conv →
// RPReLU → add the unit's input), t = y − γ, y = (t < 0 ? t·β : t) + ζ (layers/rprelu.ts) and y += res, each step
// rounded to float32 as the separate RPReLU and Add kernels round it (no FMA contraction: fp-contract=off), so the
// fused output equals the unfused one bit for bit. One function serves both, so the conv part is the same code.
struct UnitEpilogue {
  const float *gamma, *slope, *zeta;  // RPReLU [Co] each, or all null
  const float* res;                   // residual [N][Ho][Wo][Co], or null
};

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off", "no-trapping-math")
// Out of line: GCC does not inline across the optimize pragma; one call per pixel is small next to its popcounts.
__attribute__((noinline)) void xnor_epilogue(const uint64_t* acc, double K, const float* alpha, const float* bias,
                                             int Co, int order, const UnitEpilogue& u, size_t at, float* o) {
  double s[256];
  float y[256];
  for (int c0 = 0; c0 < Co; c0 += 256) {
    const int n = std::min(256, Co - c0);
    if (bias) for (int c = 0; c < n; c++) s[c] = bias[c0 + c];
    else for (int c = 0; c < n; c++) s[c] = 0.0;
    for (int k = 0; k < order; k++) {
      const uint64_t* a = acc + (size_t)k * Co + c0;
      const float* al = alpha + (size_t)k * Co + c0;
#if defined(__FMA__)
      for (int c = 0; c < n; c++) s[c] = __builtin_fma((double)al[c], K - 2.0 * (double)(int64_t)a[c], s[c]);
#else
      for (int c = 0; c < n; c++) s[c] += (double)al[c] * (K - 2.0 * (double)(int64_t)a[c]);
#endif
    }
    for (int c = 0; c < n; c++) y[c] = (float)s[c];
    if (u.gamma) {
      const float *g = u.gamma + c0, *b = u.slope + c0, *z = u.zeta + c0;
      for (int c = 0; c < n; c++) {
        const float t = y[c] - g[c], neg = t * b[c];
        y[c] = (t < 0.f ? neg : t) + z[c];
      }
    }
    if (u.res) {
      const float* r = u.res + at + c0;
      for (int c = 0; c < n; c++) y[c] += r[c];
    }
    for (int c = 0; c < n; c++) o[c0 + c] = y[c];
  }
}
#pragma GCC pop_options

void xnor_conv(const Geo& g, int order, int threads, const float* x, const float* thr, const uint64_t* w,
               const float* alpha, const float* bias, const UnitEpilogue& unit, float* out) {
  const int N = g.N, H = g.H, W = g.W, Ci = g.Ci, kH = g.kH, kW = g.kW, sH = g.sH, sW = g.sW, dH = g.dH, dW = g.dW,
            pT = g.pT, pL = g.pL, Ho = g.Ho, Wo = g.Wo, Co = g.Co;
  const int W64 = (Ci + 63) / 64, R = order * Co;
  const int64_t pixels = (int64_t)N * H * W;
  // Every word is written by the packing pass, so the buffer is left uninitialized (no zeroing pass per call).
  std::unique_ptr<uint64_t[]> bitsBuf(new uint64_t[(size_t)pixels * W64]);
  uint64_t* const bitsData = bitsBuf.get();
  parallel(threads, (pixels + 255) / 256, [&](int, int64_t b0, int64_t b1) {
    for (int64_t p = b0 * 256; p < std::min(pixels, b1 * 256); p++) pack_pixel(x + (size_t)p * Ci, thr, Ci, bitsData + (size_t)p * W64);
  });
  // Output columns whose taps all fall inside the image along x.
  int oxLo = 0, oxHi = Wo;
  while (oxLo < Wo && oxLo * sW - pL < 0) oxLo++;
  while (oxHi > oxLo && (oxHi - 1) * sW - pL + (kW - 1) * dW >= W) oxHi--;
  const int64_t rows = (int64_t)N * Ho;
  parallel(threads, rows, [&](int, int64_t r0, int64_t r1) {
    std::vector<uint64_t> acc(2 * (size_t)R);
    std::vector<int> kys(kH);
    for (int64_t r = r0; r < r1; r++) {
      const int n = (int)(r / Ho), oy = (int)(r % Ho);
      int nky = 0;
      for (int ky = 0; ky < kH; ky++) { const int iy = oy * sH - pT + ky * dH; if (iy >= 0 && iy < H) kys[nky++] = ky; }
      // Generic pixel: any taps may be padding.
      auto generic = [&](int ox) {
        uint64_t* ac = acc.data();
        std::fill(ac, ac + R, 0);
        int valid = 0;
        for (int i = 0; i < nky; i++) {
          const int ky = kys[i], iy = oy * sH - pT + ky * dH;
          for (int kx = 0; kx < kW; kx++) {
            const int ix = ox * sW - pL + kx * dW;
            if (ix < 0 || ix >= W) continue;
            valid++;
            const uint64_t* a = bitsData + (((size_t)n * H + iy) * W + ix) * W64;
            const uint64_t* wt = w + (size_t)(ky * kW + kx) * W64 * R;
            for (int j = 0; j < W64; j++) {
              const uint64_t aj = a[j];
              const uint64_t* wj = wt + (size_t)j * R;
              for (int q = 0; q < R; q++) ac[q] += __builtin_popcountll(aj ^ wj[q]);
            }
          }
        }
        const size_t at = ((size_t)r * Wo + ox) * Co;
        xnor_epilogue(ac, (double)valid * Ci, alpha, bias, Co, order, unit, at, out + at);
      };
      int ox = 0;
      for (; ox < std::min(oxLo, Wo); ox++) generic(ox);
#if defined(__AVX512VPOPCNTDQ__)
      // Interior pixels two at a time, 32 (base, channel) lanes per pass held in registers across all taps:
      // each weight vector is loaded once for both pixels.
      if (R % 32 == 0) {
        const double K = (double)nky * kW * Ci;
        for (; ox + 1 < oxHi; ox += 2) {
          for (int q0 = 0; q0 < R; q0 += 32) {
            __m512i s0[4], s1[4];
            for (int v = 0; v < 4; v++) { s0[v] = _mm512_setzero_si512(); s1[v] = _mm512_setzero_si512(); }
            for (int i = 0; i < nky; i++) {
              const int ky = kys[i], iy = oy * sH - pT + ky * dH;
              const uint64_t* rowBits = bitsData + ((size_t)n * H + iy) * W * W64;
              for (int kx = 0; kx < kW; kx++) {
                const uint64_t* a0 = rowBits + (size_t)(ox * sW - pL + kx * dW) * W64;
                const uint64_t* a1 = a0 + (size_t)sW * W64;
                const uint64_t* wt = w + (size_t)(ky * kW + kx) * W64 * R + q0;
                for (int j = 0; j < W64; j++) {
                  const __m512i b0 = _mm512_set1_epi64((long long)a0[j]), b1 = _mm512_set1_epi64((long long)a1[j]);
                  const uint64_t* wj = wt + (size_t)j * R;
                  for (int v = 0; v < 4; v++) {
                    const __m512i wv = _mm512_loadu_si512(wj + 8 * v);
                    s0[v] = _mm512_add_epi64(s0[v], _mm512_popcnt_epi64(_mm512_xor_si512(b0, wv)));
                    s1[v] = _mm512_add_epi64(s1[v], _mm512_popcnt_epi64(_mm512_xor_si512(b1, wv)));
                  }
                }
              }
            }
            for (int v = 0; v < 4; v++) {
              _mm512_storeu_si512(acc.data() + q0 + 8 * v, s0[v]);
              _mm512_storeu_si512(acc.data() + R + q0 + 8 * v, s1[v]);
            }
          }
          const size_t at = ((size_t)r * Wo + ox) * Co;
          xnor_epilogue(acc.data(), K, alpha, bias, Co, order, unit, at, out + at);
          xnor_epilogue(acc.data() + R, K, alpha, bias, Co, order, unit, at + Co, out + at + Co);
        }
      }
#endif
      for (; ox < Wo; ox++) generic(ox);
    }
  });
}

// xnorConv(params [threads, ...geometry, order], x [N][H][W][Ci], threshold [Ci] | null,
//          weights Int32Array (u64 as little-endian pairs, [tap][word][base][Co]), alpha [order·Co], bias [Co] | null,
//          out [N][Ho][Wo][Co], gamma | null, slope | null, zeta | null ([Co] each: the fused RPReLU, all or none),
//          residual [N][Ho][Wo][Co] | null (added last))
napi_value XnorConv(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native xnorConv(params Int32Array[threads, ...geometry, order], x, threshold|null, weights Int32Array, alpha, bias|null, out, gamma|null, slope|null, zeta|null, residual|null)", 2 + kGeoInts);
  const Geo g = a.geo();
  const int order = a.dim(1 + kGeoInts, 1);
  a.dim(4, 1);   // Ci
  a.dim(15, 1);  // Co
  const size_t W64 = ((size_t)g.Ci + 63) / 64;
  const size_t outN = (size_t)g.N * g.Ho * g.Wo * g.Co;
  const float* x = a.f32(1, "x", (size_t)g.N * g.H * g.W * g.Ci);
  const float* thr = a.f32(2, "threshold", g.Ci, true);
  const int32_t* wi = a.i32(3, "weights", 2 * (size_t)g.kH * g.kW * W64 * order * g.Co);
  const float* alpha = a.f32(4, "alpha", (size_t)order * g.Co);
  const float* bias = a.f32(5, "bias", g.Co, true);
  float* out = a.f32(6, "out", outN);
  UnitEpilogue unit{a.f32(7, "gamma", g.Co, true), a.f32(8, "slope", g.Co, true), a.f32(9, "zeta", g.Co, true),
                    a.f32(10, "residual", outN, true)};
  const int rprelu = (unit.gamma != nullptr) + (unit.slope != nullptr) + (unit.zeta != nullptr);
  if (a.ok() && rprelu != 0 && rprelu != 3) {
    a.invalid("gamma, slope and zeta (the fused RPReLU) must be given together or all be null");
  }
  if (!a.ok()) return a.fail();
  xnor_conv(g, order, a.threads(), x, thr, reinterpret_cast<const uint64_t*>(wi), alpha, bias, unit, out);
  return nullptr;
}

}  // namespace

void register_xnor(napi_env env, napi_value exports) {
  export_function(env, exports, "xnorConv", XnorConv);
  // Whether xnorConv has its vector-popcount path (AVX-512 VPOPCNTDQ); without it the scalar loop is slower than
  // the wasm kernel, so the packed layers' 'auto' choice skips native.
  napi_value has;
#if defined(__AVX512VPOPCNTDQ__)
  napi_get_boolean(env, true, &has);
#else
  napi_get_boolean(env, false, &has);
#endif
  napi_set_named_property(env, exports, "xnorVectorPopcount", has);
}

}  // namespace frb
