// Float32 NHWC conv kernels: forward conv (indirect GEMM) and the filter gradient, register-blocked for 512-bit
// (or narrower, via GCC vector extensions) FMA and split over the pool; plus the two small per-step kernels that
// sit next to them in a train step (a Sum over leading axes, LeakyRelu and its gradient). JS side:
// src/kernels/native/native_kernels.ts.
#include <vector>

#include "frb_native.h"

namespace frb {
namespace {

// ---- forward: out[m][co] = sum_{tap,ci} x[ptr(m,tap)+ci] * w[tap][ci][co] (+ bias) ----
// Weights are packed per block of NB output channels (zero-padded), rows of MR output pixels.
// Output pixel blocks [b0, b1) of the forward conv, on packed weights wp. Kept out of line: inlined into the
// N-API function (the single-thread path) its MR row pointers were spilled to the stack, which made the Co ≤ 16
// conv (a model's 32→3 tail) ~1.5x slower than as its own function.
template <int NV>
__attribute__((noinline)) void conv_fwd_blocks(const float* x, const float* wp, const float* zeros, const float* bias,
                                               float* out, const Geo& g, int64_t b0, int64_t b1) {
  constexpr int NB = 16 * NV, MR = NV == 2 ? 6 : 12;
  const int K = g.kH * g.kW * g.Ci;
  const int nblk = (g.Co + NB - 1) / NB;
  const int64_t M = (int64_t)g.N * g.Ho * g.Wo;
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
      const float* wb = wp + (size_t)b * K * NB;
      for (int kh = 0; kh < g.kH; kh++) for (int kw = 0; kw < g.kW; kw++) {
        for (int r = 0; r < MR; r++) {
          int ih = ih0[r] + kh * g.dH, iw = iw0[r] + kw * g.dW;
          rows[r] = (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) ? zeros
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
}

template <int NV>
void conv_fwd(const float* x, const float* w, const float* bias, float* out, const Geo& g, int threads) {
  constexpr int NB = 16 * NV, MR = NV == 2 ? 6 : 12;
  const int K = g.kH * g.kW * g.Ci;
  const int nblk = (g.Co + NB - 1) / NB;
  std::vector<float> wp((size_t)nblk * K * NB, 0.f);
  for (int b = 0; b < nblk; b++)
    for (int k = 0; k < K; k++)
      for (int j = 0; j < NB && b * NB + j < g.Co; j++) wp[((size_t)b * K + k) * NB + j] = w[(size_t)k * g.Co + b * NB + j];
  std::vector<float> zeros(g.Ci, 0.f);
  const int64_t mblocks = ((int64_t)g.N * g.Ho * g.Wo + MR - 1) / MR;
  parallel(threads, mblocks, [&](int, int64_t b0, int64_t b1) {
    conv_fwd_blocks<NV>(x, wp.data(), zeros.data(), bias, out, g, b0, b1);
  });
}

// Narrow outputs (Co <= 4 with Ci % 16 == 0: a model's last conv, to RGB). The blocked kernel above vectorises
// over output channels, so at Co = 3 thirteen of its 16 lanes are padding; here the lanes run over input channels
// instead: P pixels × CO partial sums of 16 lanes each, reduced once per pixel.
// The sums of 16 vectors at once: lane j of the result is the sum of v[j]'s lanes, added pairwise (lanes i and
// i + 8, then i + 4, i + 2, i + 1: the order the outputs' bits depend on), with shuffles across pairs of vectors.
inline v16 reduce16(const v16* v) {
  typedef int i16 __attribute__((vector_size(64)));
  const i16 lo1 = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23}, hi1 = lo1 + 8;
  const i16 lo2 = {0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27}, hi2 = lo2 + 4;
  const i16 lo3 = {0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29}, hi3 = lo3 + 2;
  const i16 lo4 = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}, hi4 = lo4 + 1;
  v16 a[8], b[4], c[2];
  for (int j = 0; j < 8; j++) a[j] = __builtin_shuffle(v[2 * j], v[2 * j + 1], lo1) + __builtin_shuffle(v[2 * j], v[2 * j + 1], hi1);
  for (int j = 0; j < 4; j++) b[j] = __builtin_shuffle(a[2 * j], a[2 * j + 1], lo2) + __builtin_shuffle(a[2 * j], a[2 * j + 1], hi2);
  for (int j = 0; j < 2; j++) c[j] = __builtin_shuffle(b[2 * j], b[2 * j + 1], lo3) + __builtin_shuffle(b[2 * j], b[2 * j + 1], hi3);
  return __builtin_shuffle(c[0], c[1], lo4) + __builtin_shuffle(c[0], c[1], hi4);
}

// Pixels per block: P × CO accumulators and P inputs in 32 registers, the weights read from memory (8 × 3 + 8 at
// CO = 3, measured faster than 6 pixels; 6 × 4 + 6 at CO = 4).
constexpr int narrow_pixels(int CO) { return CO >= 4 ? 6 : 8; }

// rowp (else null): input row ih of the one image is rowp[ih], not x + ih·W·Ci (the fused tail's rows, xnor.cc).
template <int CO>
__attribute__((noinline)) void conv_narrow_blocks(const float* x, const float* wt, const float* zeros, const float* bias,
                                                  float* out, const Geo& g, int64_t b0, int64_t b1,
                                                  const float* const* rowp = nullptr) {
  const auto at = [&](int n, int ih, int iw) {
    return rowp ? rowp[ih] + (size_t)iw * g.Ci : x + (((size_t)n * g.H + ih) * g.W + iw) * g.Ci;
  };
  constexpr int P = narrow_pixels(CO);
  const int64_t M = (int64_t)g.N * g.Ho * g.Wo, HW = (int64_t)g.Ho * g.Wo;
  // The block's P·CO outputs are contiguous (pixel-major), so the bias of output k is bias[k % CO] in every block.
  constexpr int T = P * CO, G = T / 16;
  v16 bias16[G > 0 ? G : 1];
  for (int q = 0; q < G; q++) for (int j = 0; j < 16; j++) bias16[q][j] = bias ? bias[(16 * q + j) % CO] : 0.f;
  const float* rows[P];
  for (int64_t mb = b0; mb < b1; mb++) {
    const int64_t m0 = mb * P;
    int on[P], ih0[P], iw0[P];
    // Divide once per block and step through the pixels after (P·3 64-bit divisions per block cost more than the
    // FMAs at 32 input channels).
    int n = (int)(m0 / HW), oh = (int)(m0 % HW / g.Wo), ow = (int)(m0 % g.Wo);
    for (int p = 0; p < P; p++) {
      on[p] = n; ih0[p] = oh * g.sH - g.pT; iw0[p] = ow * g.sW - g.pL;
      // Past the last pixel, the last pixel again (its sums are not stored).
      if (m0 + p + 1 < M && ++ow == g.Wo) { ow = 0; if (++oh == g.Ho) { oh = 0; n++; } }
    }
    v16 acc[P][CO];
    for (int p = 0; p < P; p++) for (int o = 0; o < CO; o++) acc[p][o] = bc(0.f);
    // A block of one output row whose taps all fall inside the image: its pixels' inputs are evenly spaced, so the
    // taps need no bounds checks (the same loads, hence the same sums).
    const bool inside = m0 + P <= M && ih0[P - 1] == ih0[0] && on[P - 1] == on[0] && ih0[0] >= 0 &&
                        ih0[0] + (g.kH - 1) * g.dH < g.H && iw0[0] >= 0 && iw0[P - 1] + (g.kW - 1) * g.dW < g.W;
    const size_t pixStep = (size_t)g.sW * g.Ci;
    for (int kh = 0; kh < g.kH; kh++) for (int kw = 0; kw < g.kW; kw++) {
      if (inside) {
        const float* r0 = at(on[0], ih0[0] + kh * g.dH, iw0[0] + kw * g.dW);
        for (int p = 0; p < P; p++) rows[p] = r0 + p * pixStep;
      } else {
        for (int p = 0; p < P; p++) {
          const int ih = ih0[p] + kh * g.dH, iw = iw0[p] + kw * g.dW;
          rows[p] = (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) ? zeros : at(on[p], ih, iw);
        }
      }
      const float* wtap = wt + (size_t)(kh * g.kW + kw) * CO * g.Ci;
      for (int ci = 0; ci < g.Ci; ci += 16) {
        v16 xv[P];
        for (int p = 0; p < P; p++) {
          xv[p] = ld(rows[p] + ci);
#if defined(__x86_64__)
          // Held in a register: otherwise GCC folds this load into each of the CO FMAs, and a tensor that is not
          // 64-byte aligned (most are not, in the wasm heap) pays a cache-line split on every one of them. ("v" is
          // an x86 register class; elsewhere the code stays portable vector code.)
          asm("" : "+v"(xv[p]));
#endif
        }
        for (int o = 0; o < CO; o++) {
          const v16 wv = ld(wtap + (size_t)o * g.Ci + ci);
          for (int p = 0; p < P; p++) acc[p][o] += xv[p] * wv;
        }
      }
    }
    // Sums of 16 accumulators at a time by reduce16 (each output's lanes in the same pairwise order, whichever
    // block or position it has, so the outputs' bits do not depend on P).
    const int valid = (int)std::min<int64_t>(T, (M - m0) * CO);
    float* const o0 = out + (size_t)m0 * CO;
    int k = 0;
    for (; k + 16 <= T; k += 16) {
      v16 v[16];
      for (int j = 0; j < 16; j++) v[j] = acc[(k + j) / CO][(k + j) % CO];
      v16 sum = reduce16(v);
      if (bias) sum += bias16[k / 16];
      if (k + 16 <= valid) {
        st(o0 + k, sum);
      } else {
        for (int j = 0; k + j < valid; j++) o0[k + j] = sum[j];
      }
    }
    if (k < valid) {
      // The last T % 16 sums the same way, the missing vectors zero (their sums are not stored).
      v16 v[16];
      for (int j = 0; j < 16; j++) v[j] = k + j < T ? acc[(k + j) / CO][(k + j) % CO] : bc(0.f);
      const v16 sum = reduce16(v);
      for (int j = 0; k + j < valid; j++) o0[k + j] = bias ? sum[j] + bias[(k + j) % CO] : sum[j];
    }
  }
}

template <int CO>
void conv_narrow(const float* x, const float* w, const float* bias, float* out, const Geo& g, int threads) {
  const std::vector<float> wt = narrow_weights(w, g);
  std::vector<float> zeros(g.Ci, 0.f);
  const int64_t blocks = ((int64_t)g.N * g.Ho * g.Wo + narrow_pixels(CO) - 1) / narrow_pixels(CO);
  parallel(threads, blocks, [&](int, int64_t b0, int64_t b1) {
    conv_narrow_blocks<CO>(x, wt.data(), zeros.data(), bias, out, g, b0, b1);
  });
}

// ---- filter gradient: dW[tap][ci][co] = sum_m x[ptr(m,tap)+ci] * dy[m][co] ----
// Vectorised over co (blocks of 32, dy read in place) when Co % 32 == 0, else over ci (x rows read in
// place) when Ci % 32 == 0, else a scalar loop. Pixels are processed in chunks that stay in cache; each
// part accumulates its own partial dW.
void conv_dw(const float* x, const float* dy, float* dw, const Geo& g, int threads) {
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

// colsum: out[c] = sum_m x[m][c] (a Sum over all but the last axis: bias and per-channel parameter gradients).
// Float per 256-row chunk, double per part, parts added in order; fused.cc's sums follow the same order.
void colsum(const float* x, float* out, int64_t M, int C, int threads) {
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

// ---- N-API ----
size_t xSize(const Geo& g) { return (size_t)g.N * g.H * g.W * g.Ci; }
size_t wSize(const Geo& g) { return (size_t)g.kH * g.kW * g.Ci * g.Co; }
size_t ySize(const Geo& g) { return (size_t)g.N * g.Ho * g.Wo * g.Co; }

// conv2d(params [threads, ...geometry], x, w [kH][kW][Ci][Co], bias [Co] | null, out [N][Ho][Wo][Co])
napi_value Conv2D(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native conv2d(params Int32Array[threads, N, H, W, Ci, kH, kW, sH, sW, dH, dW, pT, pL, Ho, Wo, Co], x, w, bias|null, out)", 1 + kGeoInts);
  const Geo g = a.geo();
  const float* x = a.f32(1, "x", xSize(g));
  const float* w = a.f32(2, "w", wSize(g));
  const float* bias = a.f32(3, "bias", g.Co, true);
  float* out = a.f32(4, "out", ySize(g));
  if (!a.ok()) return a.fail();
  const int t = a.threads();
  if (g.Ci % 16 == 0 && g.Co <= 4) {
    if (g.Co == 1) conv_narrow<1>(x, w, bias, out, g, t);
    else if (g.Co == 2) conv_narrow<2>(x, w, bias, out, g, t);
    else if (g.Co == 3) conv_narrow<3>(x, w, bias, out, g, t);
    else conv_narrow<4>(x, w, bias, out, g, t);
  } else if (g.Co <= 16) {
    conv_fwd<1>(x, w, bias, out, g, t);
  } else {
    conv_fwd<2>(x, w, bias, out, g, t);
  }
  return nullptr;
}

// conv2dBackpropFilter(params [threads, ...geometry], x, dy [N][Ho][Wo][Co], out dW [kH][kW][Ci][Co])
napi_value Conv2DBackpropFilter(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native conv2dBackpropFilter(params Int32Array[threads, ...geometry], x, dy, out)", 1 + kGeoInts);
  const Geo g = a.geo();
  const float* x = a.f32(1, "x", xSize(g));
  const float* dy = a.f32(2, "dy", ySize(g));
  float* out = a.f32(3, "out", wSize(g));
  if (!a.ok()) return a.fail();
  conv_dw(x, dy, out, g, a.threads());
  return nullptr;
}

// colsum(params [threads, M, C], x [M][C], out [C])
napi_value ColSum(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native colsum(params Int32Array[threads, M, C], x, out)", 3);
  const int M = a.dim(1), C = a.dim(2, 1);
  const float* x = a.f32(1, "x", (size_t)M * C);
  float* out = a.f32(2, "out", C);
  if (!a.ok()) return a.fail();
  colsum(x, out, M, C, a.threads());
  return nullptr;
}

// leakyRelu(params [threads, n], x, dy | null, alpha [1], out): forward when dy is null, else the gradient
// dy · (x > 0 ? 1 : alpha) (tfjs' LeakyRelu gradient, in one pass).
napi_value LeakyRelu(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native leakyRelu(params Int32Array[threads, n], x, dy|null, alpha, out)", 2);
  const int64_t n = a.dim(1);
  const float* x = a.f32(1, "x", n);
  const float* dy = a.f32(2, "dy", n, true);
  const float* alpha = a.f32(3, "alpha", 1);
  float* out = a.f32(4, "out", n);
  if (!a.ok()) return a.fail();
  const float al = alpha[0];
  parallel(a.threads(), (n + 4095) / 4096, [&](int, int64_t b0, int64_t b1) {
    const int64_t i0 = b0 * 4096, i1 = std::min(n, b1 * 4096);
    // 16 lanes at a time with both sides computed and selected per lane (y > 0 ? y : a·y, so NaN and −0 come out as
    // before), in GCC vector code: written as a scalar loop, whether GCC vectorised it depended on where the loop
    // was inlined, and the scalar form branches on the sign and mispredicts on real data.
    const v16 zero = bc(0.f), a16 = bc(al);
    int64_t i = i0;
    for (; i + 16 <= i1; i += 16) {
      const v16 v = ld(x + i), g = dy ? ld(dy + i) : v, neg = a16 * g;
      st(out + i, v > zero ? g : neg);
    }
    for (; i < i1; i++) {
      const float g = dy ? dy[i] : x[i], neg = al * g;
      out[i] = x[i] > 0.f ? g : neg;
    }
  });
  return nullptr;
}

}  // namespace

std::vector<float> narrow_weights(const float* w, const Geo& g) {
  const int taps = g.kH * g.kW;
  std::vector<float> wt((size_t)taps * g.Co * g.Ci);  // [tap][co][ci]: each output channel's weights contiguous
  for (int t = 0; t < taps; t++)
    for (int ci = 0; ci < g.Ci; ci++)
      for (int o = 0; o < g.Co; o++) wt[((size_t)t * g.Co + o) * g.Ci + ci] = w[((size_t)t * g.Ci + ci) * g.Co + o];
  return wt;
}

void conv_narrow_rows(const float* const* rowp, const float* wt, const float* zeros, const float* bias, float* out, const Geo& g) {
  const int P = narrow_pixels(g.Co);
  const int64_t blocks = ((int64_t)g.Ho * g.Wo + P - 1) / P;
  switch (g.Co) {
    case 1: conv_narrow_blocks<1>(nullptr, wt, zeros, bias, out, g, 0, blocks, rowp); break;
    case 2: conv_narrow_blocks<2>(nullptr, wt, zeros, bias, out, g, 0, blocks, rowp); break;
    case 3: conv_narrow_blocks<3>(nullptr, wt, zeros, bias, out, g, 0, blocks, rowp); break;
    default: conv_narrow_blocks<4>(nullptr, wt, zeros, bias, out, g, 0, blocks, rowp); break;
  }
}

void register_conv(napi_env env, napi_value exports) {
  export_function(env, exports, "conv2d", Conv2D);
  export_function(env, exports, "conv2dBackpropFilter", Conv2DBackpropFilter);
  export_function(env, exports, "colsum", ColSum);
  export_function(env, exports, "leakyRelu", LeakyRelu);
}

}  // namespace frb
