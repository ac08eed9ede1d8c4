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
  return exports;
}
`;
