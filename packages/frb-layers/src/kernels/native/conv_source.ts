// C++ source of the optional native conv kernels (N-API), compiled on first use by native/loader.ts.
// Kept as a string so it ships inside dist/ with no install script (npm 11 blocks dependency install scripts).
export const FRB_CONV_SOURCE = String.raw`
// Native conv kernels for @frb/layers (NHWC, float32): forward conv (indirect GEMM) and the filter gradient,
// register-blocked for 512-bit (or narrower, via GCC vector extensions) FMA, split across std::threads.
#include <node_api.h>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>
#include <memory>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

typedef float v16 __attribute__((vector_size(64), aligned(4)));

static inline v16 ld(const float* p) { v16 v; std::memcpy(&v, p, 64); return v; }
static inline void st(float* p, v16 v) { std::memcpy(p, &v, 64); }
static inline v16 bc(float a) { return (v16){a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a}; }

struct Geo {
  int N, H, W, Ci, kH, kW, Co, sH, sW, dH, dW, pT, pL, Ho, Wo;
};

template <typename F>
static void parallel(int threads, int64_t n, F f) {
  if (threads <= 1 || n < 2) { f(0, (int64_t)0, n); return; }
  threads = (int)std::min<int64_t>(threads, n);
  std::vector<std::thread> ts;
  for (int t = 1; t < threads; t++) ts.emplace_back(f, t, n * t / threads, n * (t + 1) / threads);
  f(0, 0, n / threads);
  for (auto& th : ts) th.join();
}

// ---- forward: out[m][co] = sum_{tap,ci} x[ptr(m,tap)+ci] * w[tap][ci][co] (+ bias) ----
// Weights are packed per block of NB output channels (zero-padded), rows of MR output pixels.
template <int NV>
static void conv_fwd(const float* x, const float* w, const float* bias, float* out, const Geo& g, int threads) {
  constexpr int NB = 16 * NV, MR = NV == 2 ? 6 : 12;
  const int taps = g.kH * g.kW, K = taps * g.Ci;
  const int nblk = (g.Co + NB - 1) / NB;
  std::vector<float> wp((size_t)nblk * K * NB, 0.f);
  for (int b = 0; b < nblk; b++)
    for (int k = 0; k < K; k++)
      for (int j = 0; j < NB && b * NB + j < g.Co; j++) wp[((size_t)b * K + k) * NB + j] = w[(size_t)k * g.Co + b * NB + j];
  std::vector<float> zeros(g.Ci, 0.f);
  const int64_t M = (int64_t)g.N * g.Ho * g.Wo;
  const int64_t mblocks = (M + MR - 1) / MR;
  parallel(threads, mblocks, [&](int, int64_t b0, int64_t b1) {
    const float* rows[MR];
    for (int64_t mb = b0; mb < b1; mb++) {
      const int64_t m0 = mb * MR;
      int on[MR], ih0[MR], iw0[MR];
      for (int r = 0; r < MR; r++) {
        int64_t m = std::min<int64_t>(m0 + r, M - 1);
        int n = (int)(m / ((int64_t)g.Ho * g.Wo)), rem = (int)(m % ((int64_t)g.Ho * g.Wo));
        on[r] = n; ih0[r] = (rem / g.Wo) * g.sH - g.pT; iw0[r] = (rem % g.Wo) * g.sW - g.pL;
      }
      for (int b = 0; b < nblk; b++) {
        v16 acc[MR][NV];
        for (int r = 0; r < MR; r++) for (int v = 0; v < NV; v++) acc[r][v] = bc(0.f);
        const float* wb = &wp[(size_t)b * K * NB];
        for (int kh = 0; kh < g.kH; kh++) for (int kw = 0; kw < g.kW; kw++) {
          for (int r = 0; r < MR; r++) {
            int ih = ih0[r] + kh * g.dH, iw = iw0[r] + kw * g.dW;
            rows[r] = (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) ? zeros.data()
                      : x + (((size_t)on[r] * g.H + ih) * g.W + iw) * g.Ci;
          }
          const float* wt = wb + (size_t)(kh * g.kW + kw) * g.Ci * NB;
          for (int ci = 0; ci < g.Ci; ci++) {
            v16 bv[NV];
            for (int v = 0; v < NV; v++) bv[v] = ld(wt + ci * NB + 16 * v);
            for (int r = 0; r < MR; r++) {
              v16 a = bc(rows[r][ci]);
              for (int v = 0; v < NV; v++) acc[r][v] += a * bv[v];
            }
          }
        }
        const int cols = std::min(NB, g.Co - b * NB);
        for (int r = 0; r < MR && m0 + r < M; r++) {
          float* o = out + (size_t)(m0 + r) * g.Co + b * NB;
          float tmp[NB];
          for (int v = 0; v < NV; v++) st(tmp + 16 * v, acc[r][v]);
          if (bias) for (int j = 0; j < cols; j++) o[j] = tmp[j] + bias[b * NB + j];
          else std::memcpy(o, tmp, sizeof(float) * cols);
        }
      }
    }
  });
}

// ---- filter gradient: dW[tap][ci][co] = sum_m x[ptr(m,tap)+ci] * dy[m][co] ----
// Vectorised over co (blocks of 32, dy read in place) when Co % 32 == 0, else over ci (x rows read in
// place) when Ci % 32 == 0, else a scalar loop. Pixels are processed in chunks that stay in cache; each
// thread accumulates its own partial dW.
static void conv_dw(const float* x, const float* dy, float* dw, const Geo& g, int threads) {
  const int taps = g.kH * g.kW;
  const size_t wsize = (size_t)taps * g.Ci * g.Co;
  const int64_t HW = (int64_t)g.Ho * g.Wo, M = g.N * HW;
  const int64_t CH = 96;
  const int64_t chunks = (M + CH - 1) / CH;
  threads = (int)std::max<int64_t>(1, std::min<int64_t>(threads, chunks));
  std::vector<std::vector<float>> part(threads, std::vector<float>(wsize, 0.f));
  const bool vecCo = g.Co % 32 == 0, vecCi = !vecCo && g.Ci % 32 == 0;
  parallel(threads, chunks, [&](int tid, int64_t c0, int64_t c1) {
    float* acc_out = part[tid].data();
    std::vector<const float*> px(CH);
    for (int64_t c = c0; c < c1; c++) {
      const int64_t m0 = c * CH, m1 = std::min(M, m0 + CH);
      for (int kh = 0; kh < g.kH; kh++) for (int kw = 0; kw < g.kW; kw++) {
        const int t = kh * g.kW + kw;
        for (int64_t m = m0; m < m1; m++) {
          int n = (int)(m / HW), rem = (int)(m % HW);
          int ih = (rem / g.Wo) * g.sH - g.pT + kh * g.dH, iw = (rem % g.Wo) * g.sW - g.pL + kw * g.dW;
          px[m - m0] = (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) ? nullptr : x + (((size_t)n * g.H + ih) * g.W + iw) * g.Ci;
        }
        float* dwt = acc_out + (size_t)t * g.Ci * g.Co;
        if (vecCo) {
          constexpr int MR = 6;
          for (int ci0 = 0; ci0 < g.Ci; ci0 += MR) {
            const int rows = std::min(MR, g.Ci - ci0);
            for (int co0 = 0; co0 < g.Co; co0 += 32) {
              v16 acc[MR][2];
              for (int r = 0; r < MR; r++) { acc[r][0] = bc(0.f); acc[r][1] = bc(0.f); }
              for (int64_t m = m0; m < m1; m++) {
                const float* p = px[m - m0];
                if (!p) continue;
                const float* d = dy + (size_t)m * g.Co + co0;
                v16 b0 = ld(d), b1 = ld(d + 16);
                for (int r = 0; r < MR; r++) {
                  v16 a = bc(p[ci0 + std::min(r, rows - 1)]);
                  acc[r][0] += a * b0; acc[r][1] += a * b1;
                }
              }
              for (int r = 0; r < rows; r++) {
                float* o = dwt + (size_t)(ci0 + r) * g.Co + co0;
                st(o, ld(o) + acc[r][0]); st(o + 16, ld(o + 16) + acc[r][1]);
              }
            }
          }
        } else if (vecCi) {
          constexpr int MR = 6;
          for (int co0 = 0; co0 < g.Co; co0 += MR) {
            const int rows = std::min(MR, g.Co - co0);
            for (int ci0 = 0; ci0 < g.Ci; ci0 += 32) {
              v16 acc[MR][2];
              for (int r = 0; r < MR; r++) { acc[r][0] = bc(0.f); acc[r][1] = bc(0.f); }
              for (int64_t m = m0; m < m1; m++) {
                const float* p = px[m - m0];
                if (!p) continue;
                v16 b0 = ld(p + ci0), b1 = ld(p + ci0 + 16);
                const float* d = dy + (size_t)m * g.Co + co0;
                for (int r = 0; r < MR; r++) {
                  v16 a = bc(d[std::min(r, rows - 1)]);
                  acc[r][0] += a * b0; acc[r][1] += a * b1;
                }
              }
              for (int r = 0; r < rows; r++) {
                float tmp[32];
                st(tmp, acc[r][0]); st(tmp + 16, acc[r][1]);
                for (int j = 0; j < 32; j++) dwt[(size_t)(ci0 + j) * g.Co + co0 + r] += tmp[j];
              }
            }
          }
        } else {
          for (int64_t m = m0; m < m1; m++) {
            const float* p = px[m - m0];
            if (!p) continue;
            const float* d = dy + (size_t)m * g.Co;
            for (int ci = 0; ci < g.Ci; ci++) {
              const float a = p[ci];
              float* o = dwt + (size_t)ci * g.Co;
              for (int co = 0; co < g.Co; co++) o[co] += a * d[co];
            }
          }
        }
      }
    }
  });
  std::memcpy(dw, part[0].data(), wsize * sizeof(float));
  for (int t = 1; t < threads; t++) for (size_t i = 0; i < wsize; i++) dw[i] += part[t][i];
}

// ---- N-API glue: (params Int32Array[16], a Float32Array, b Float32Array, bias Float32Array|null, out Float32Array) ----
static bool f32(napi_env env, napi_value v, float** p, size_t* len) {
  napi_typedarray_type type; napi_value ab; size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, (void**)p, &ab, &off) != napi_ok || type != napi_float32_array) return false;
  return true;
}

static napi_value run(napi_env env, napi_callback_info info, bool filterGrad) {
  size_t argc = 5; napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t* prm; size_t plen; napi_typedarray_type type; napi_value ab; size_t off;
  if (argc < 5 || napi_get_typedarray_info(env, argv[0], &type, &plen, (void**)&prm, &ab, &off) != napi_ok ||
      type != napi_int32_array || plen < 16) {
    napi_throw_type_error(env, nullptr, "frb_conv: params must be an Int32Array(16)");
    return nullptr;
  }
  Geo g{prm[0], prm[1], prm[2], prm[3], prm[4], prm[5], prm[6], prm[7], prm[8], prm[9], prm[10], prm[11], prm[12], prm[13], prm[14]};
  const int threads = std::max(1, prm[15]);
  float *a, *b, *out, *bias = nullptr; size_t la, lb, lo, lbias;
  if (!f32(env, argv[1], &a, &la) || !f32(env, argv[2], &b, &lb) || !f32(env, argv[4], &out, &lo)) {
    napi_throw_type_error(env, nullptr, "frb_conv: inputs and output must be Float32Arrays");
    return nullptr;
  }
  napi_valuetype bt; napi_typeof(env, argv[3], &bt);
  if (bt != napi_null && bt != napi_undefined && !f32(env, argv[3], &bias, &lbias)) {
    napi_throw_type_error(env, nullptr, "frb_conv: bias must be a Float32Array or null");
    return nullptr;
  }
  const size_t nx = (size_t)g.N * g.H * g.W * g.Ci, nw = (size_t)g.kH * g.kW * g.Ci * g.Co, ny = (size_t)g.N * g.Ho * g.Wo * g.Co;
  if (filterGrad ? (la < nx || lb < ny || lo < nw) : (la < nx || lb < nw || lo < ny || (bias && lbias < (size_t)g.Co))) {
    napi_throw_range_error(env, nullptr, "frb_conv: an array is shorter than its shape");
    return nullptr;
  }
  if (filterGrad) conv_dw(a, b, out, g, threads);
  else if (g.Co <= 16) conv_fwd<1>(a, b, bias, out, g, threads);
  else conv_fwd<2>(a, b, bias, out, g, threads);
  return nullptr;
}


// ---- elementwise / reductions used around the convs in a train step ----
// colsum: out[c] = sum_m x[m][c] (a Sum over all but the last axis: bias and per-channel parameter gradients).
static void colsum(const float* x, float* out, int64_t M, int C, int threads) {
  const int64_t CH = 256;
  const int64_t chunks = (M + CH - 1) / CH;
  threads = (int)std::max<int64_t>(1, std::min<int64_t>(threads, chunks));
  std::vector<std::vector<double>> part(threads, std::vector<double>(C, 0.0));
  parallel(threads, chunks, [&](int tid, int64_t c0, int64_t c1) {
    std::vector<float> acc(C);
    double* tot = part[tid].data();
    for (int64_t c = c0; c < c1; c++) {
      std::fill(acc.begin(), acc.end(), 0.f);
      const int64_t m1 = std::min(M, (c + 1) * CH);
      for (int64_t m = c * CH; m < m1; m++) {
        const float* row = x + (size_t)m * C;
        for (int j = 0; j < C; j++) acc[j] += row[j];
      }
      for (int j = 0; j < C; j++) tot[j] += acc[j];
    }
  });
  for (int j = 0; j < C; j++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += part[t][j];
    out[j] = (float)s;
  }
}

static napi_value ColSum(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t* prm; size_t plen; napi_typedarray_type type; napi_value ab; size_t off;
  float *x, *out; size_t lx, lo;
  if (argc < 3 || napi_get_typedarray_info(env, argv[0], &type, &plen, (void**)&prm, &ab, &off) != napi_ok ||
      type != napi_int32_array || plen < 3 || !f32(env, argv[1], &x, &lx) || !f32(env, argv[2], &out, &lo) ||
      prm[0] < 0 || prm[1] < 1 || lx < (size_t)prm[0] * prm[1] || lo < (size_t)prm[1]) {
    napi_throw_type_error(env, nullptr, "frb_conv.colsum(params Int32Array[M, C, threads], x, out): bad arguments");
    return nullptr;
  }
  colsum(x, out, prm[0], prm[1], std::max(1, prm[2]));
  return nullptr;
}

// leakyRelu(params[n, threads], x, dy|null, alpha Float32Array[1], out): forward when dy is null, else the
// gradient dy * (x > 0 ? 1 : alpha) (tfjs' LeakyRelu gradient, in one pass).
static napi_value LeakyRelu(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t* prm; size_t plen; napi_typedarray_type type; napi_value ab; size_t off;
  float *x, *dy = nullptr, *alpha, *out; size_t lx, ldy = 0, la, lo;
  napi_valuetype dt = napi_null;
  if (argc >= 5) napi_typeof(env, argv[2], &dt);
  if (argc < 5 || napi_get_typedarray_info(env, argv[0], &type, &plen, (void**)&prm, &ab, &off) != napi_ok ||
      type != napi_int32_array || plen < 2 || !f32(env, argv[1], &x, &lx) ||
      (dt != napi_null && !f32(env, argv[2], &dy, &ldy)) || !f32(env, argv[3], &alpha, &la) || la < 1 ||
      !f32(env, argv[4], &out, &lo) || prm[0] < 0 || lx < (size_t)prm[0] || lo < (size_t)prm[0] || (dy && ldy < (size_t)prm[0])) {
    napi_throw_type_error(env, nullptr, "frb_conv.leakyRelu(params Int32Array[n, threads], x, dy|null, alpha, out): bad arguments");
    return nullptr;
  }
  const int64_t n = prm[0];
  const float a = alpha[0];
  parallel(std::max(1, prm[1]), (n + 4095) / 4096, [&](int, int64_t b0, int64_t b1) {
    const int64_t i0 = b0 * 4096, i1 = std::min(n, b1 * 4096);
    if (dy) for (int64_t i = i0; i < i1; i++) out[i] = x[i] > 0.f ? dy[i] : a * dy[i];
    else for (int64_t i = i0; i < i1; i++) out[i] = x[i] > 0.f ? x[i] : a * x[i];
  });
  return nullptr;
}

// ---- packed binary conv (XNOR-popcount), the inference form of an SRB conv ----
// out[p][o] = bias[o] + Σ_k α_k[o] · (K_p − 2·Σ_{valid taps t} popcount(a_{p,t} XOR w_{k,t,o})), K_p = valid taps · Ci.
// Activation bits: 1 where x + threshold < 0 (sign(0) = +1), 64 channels per word. Taps that fall in the zero
// padding are skipped, which is exactly the float simulation's zero padding (no border correction needed).
// Weights: u64 words laid out [tap][word][base][Co], so (base, Co) lanes are contiguous: with AVX-512 VPOPCNTDQ,
// interior pixels go two at a time with 32 lanes held in registers across all taps (~2x the auto-vectorized
// loop); border pixels and other CPUs use the plain loop (auto-vectorized, or scalar popcnt).

// Sign bits of one pixel's channels: bit c of word c/64 = !(x[c] + thr[c] >= 0) (NaN → 1, sign(0) = +1).
static inline void pack_pixel(const float* xp, const float* thr, int Ci, uint64_t* dst) {
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

// out[c] = bias[c] + Σ_k α_k[c] · (K − 2·acc[k·Co + c]), in double (the counts are exact integers).
static inline void xnor_epilogue(const uint64_t* acc, double K, const float* alpha, const float* bias, int Co, int order, float* o) {
  // Loops kept simple and separate so the compiler vectorizes each one.
  double s[256];
  for (int c0 = 0; c0 < Co; c0 += 256) {
    const int n = std::min(256, Co - c0);
    if (bias) for (int c = 0; c < n; c++) s[c] = bias[c0 + c];
    else for (int c = 0; c < n; c++) s[c] = 0.0;
    for (int k = 0; k < order; k++) {
      const uint64_t* a = acc + (size_t)k * Co + c0;
      const float* al = alpha + (size_t)k * Co + c0;
      for (int c = 0; c < n; c++) s[c] += (double)al[c] * (K - 2.0 * (double)(int64_t)a[c]);
    }
    for (int c = 0; c < n; c++) o[c0 + c] = (float)s[c];
  }
}

static void xnor_conv(const int32_t* prm, const float* x, const float* thr, const uint64_t* w, const float* alpha,
                      const float* bias, float* out) {
  const int N = prm[0], H = prm[1], W = prm[2], Ci = prm[3], kH = prm[4], kW = prm[5], sH = prm[6], sW = prm[7],
            dH = prm[8], dW = prm[9], pT = prm[10], pL = prm[11], Ho = prm[12], Wo = prm[13], Co = prm[14],
            order = prm[15], threads = std::max(1, prm[16]);
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
        xnor_epilogue(ac, (double)valid * Ci, alpha, bias, Co, order, out + ((size_t)r * Wo + ox) * Co);
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
          float* o = out + ((size_t)r * Wo + ox) * Co;
          xnor_epilogue(acc.data(), K, alpha, bias, Co, order, o);
          xnor_epilogue(acc.data() + R, K, alpha, bias, Co, order, o + Co);
        }
      }
#endif
      for (; ox < Wo; ox++) generic(ox);
    }
  });
}

// xnorConv(params Int32Array[N, H, W, Ci, kH, kW, sH, sW, dH, dW, pT, pL, Ho, Wo, Co, order, threads], x,
//          threshold Float32Array[Ci] | null, weights Int32Array (u64 pairs, [tap][word][base][Co]),
//          alpha Float32Array[order·Co], bias Float32Array[Co] | null, out Float32Array[N·Ho·Wo·Co])
static napi_value XnorConv(napi_env env, napi_callback_info info) {
  size_t argc = 7; napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t *prm = nullptr, *wi = nullptr; size_t plen = 0, wlen = 0; napi_typedarray_type type; napi_value ab; size_t off;
  float *x, *thr = nullptr, *alpha, *bias = nullptr, *out; size_t lx, lt = 0, la, lb = 0, lo;
  napi_valuetype t2 = napi_null, t5 = napi_null;
  if (argc >= 7) { napi_typeof(env, argv[2], &t2); napi_typeof(env, argv[5], &t5); }
  bool ok = argc >= 7 && napi_get_typedarray_info(env, argv[0], &type, &plen, (void**)&prm, &ab, &off) == napi_ok &&
            type == napi_int32_array && plen >= 17 && f32(env, argv[1], &x, &lx) &&
            (t2 == napi_null || f32(env, argv[2], &thr, &lt)) &&
            napi_get_typedarray_info(env, argv[3], &type, &wlen, (void**)&wi, &ab, &off) == napi_ok && type == napi_int32_array &&
            f32(env, argv[4], &alpha, &la) && (t5 == napi_null || f32(env, argv[5], &bias, &lb)) && f32(env, argv[6], &out, &lo);
  if (ok) {
    for (int i = 0; i < 16; i++) ok = ok && prm[i] >= 0;
    const size_t N = prm[0], H = prm[1], W = prm[2], Ci = prm[3], taps = (size_t)prm[4] * prm[5], Co = prm[14], order = prm[15];
    const size_t W64 = (Ci + 63) / 64;
    ok = ok && Ci > 0 && Co > 0 && order > 0 && prm[6] > 0 && prm[7] > 0 && prm[8] > 0 && prm[9] > 0 &&
         lx >= N * H * W * Ci && (!thr || lt >= Ci) && wlen >= 2 * taps * W64 * order * Co && la >= order * Co &&
         (!bias || lb >= Co) && lo >= N * (size_t)prm[12] * prm[13] * Co;
  }
  if (!ok) {
    napi_throw_type_error(env, nullptr, "frb_conv.xnorConv(params Int32Array(17), x, threshold|null, weights Int32Array, alpha, bias|null, out): bad arguments");
    return nullptr;
  }
  xnor_conv(prm, x, thr, reinterpret_cast<const uint64_t*>(wi), alpha, bias, out);
  return nullptr;
}

static napi_value Conv2D(napi_env env, napi_callback_info info) { return run(env, info, false); }
static napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) { return run(env, info, true); }

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "conv2d", NAPI_AUTO_LENGTH, Conv2D, nullptr, &f);
  napi_set_named_property(env, exports, "conv2d", f);
  napi_create_function(env, "conv2dBackpropFilter", NAPI_AUTO_LENGTH, Conv2DBackpropFilter, nullptr, &f);
  napi_set_named_property(env, exports, "conv2dBackpropFilter", f);
  napi_create_function(env, "colsum", NAPI_AUTO_LENGTH, ColSum, nullptr, &f);
  napi_set_named_property(env, exports, "colsum", f);
  napi_create_function(env, "leakyRelu", NAPI_AUTO_LENGTH, LeakyRelu, nullptr, &f);
  napi_set_named_property(env, exports, "leakyRelu", f);
  napi_create_function(env, "xnorConv", NAPI_AUTO_LENGTH, XnorConv, nullptr, &f);
  napi_set_named_property(env, exports, "xnorConv", f);
  // Whether xnorConv has its vector-popcount path (AVX-512 VPOPCNTDQ); without it the scalar loop is slower than
  // the wasm kernel, so the packed layers' 'auto' choice skips native.
#if defined(__AVX512VPOPCNTDQ__)
  napi_get_boolean(env, true, &f);
#else
  napi_get_boolean(env, false, &f);
#endif
  napi_set_named_property(env, exports, "xnorVectorPopcount", f);
  return exports;
}
`;
