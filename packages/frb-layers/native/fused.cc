// The fused per-step kernels of the binary units (RSign with its quantizer's surrogate gradient, RPReLU, the SRB
// weight binarizer), the pixel shuffle's Transpose and large Adds, float32. JS side:
// src/kernels/native/fused_kernels.ts; the math they must equal: src/quantizers.ts, src/srb.ts, src/layers/rprelu.ts.
#include <vector>

#include "frb_native.h"

namespace frb {
namespace {

// The fused kernels must round every product as the separate tfjs ops do (the module is built -march=native,
// where GCC would otherwise contract a * b + c into one FMA). Both sides of each select are computed
// unconditionally and FP traps are not modelled, so the selects vectorize as blends instead of branches.
// (GCC does not inline functions compiled with other options into this region: use builtins, not <cmath>.)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

// Elementwise work below this size runs on the calling thread: starting std::threads costs more than it saves.
inline int frb_threads_for(int64_t n, int threads) { return n < 32768 ? 1 : std::max(1, threads); }

// Rows [0, M) of C channels, with K per-channel sums of values the body produces. The sums are accumulated
// exactly as colsum() does (float per 256-row chunk, double per thread, threads added in order), so a fused
// gradient's parameter sums equal those the Sum kernel gives the unfused ops (bit for bit).
template <int K, typename Body>
void frb_rows_with_sums(int64_t M, int C, int threads, float* const* outs, const float* signs, Body body) {
  const int64_t CH = 256;
  const int64_t chunks = (M + CH - 1) / CH;
  threads = (int)std::max<int64_t>(1, std::min<int64_t>(frb_threads_for(M * C, threads), chunks));
  std::vector<double> part((size_t)threads * K * C, 0.0);
  parallel_elastic(threads, chunks, [&](int tid, int64_t c0, int64_t c1) {
    std::vector<float> acc((size_t)K * C);
    double* tot = &part[(size_t)tid * K * C];
    for (int64_t c = c0; c < c1; c++) {
      std::fill(acc.begin(), acc.end(), 0.f);
      body(c * CH, std::min(M, (c + 1) * CH), acc.data());
      for (size_t j = 0; j < acc.size(); j++) tot[j] += acc[j];
    }
  });
  for (int k = 0; k < K; k++) {
    if (!outs[k]) continue;
    for (int j = 0; j < C; j++) {
      double s = 0;
      for (int t = 0; t < threads; t++) s += part[((size_t)t * K + k) * C + j];
      outs[k][j] = signs[k] * (float)s;
    }
  }
}

// RSign forward: out = sign(x + b) with sign(0) = +1 and NaN -> -1 (quantizers.ts' sign()); b per channel or none.
void frb_rsign(const float* x, const float* b, float* out, int64_t M, int C, int threads) {
  parallel_elastic(frb_threads_for(M * C, threads), M, [&](int, int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; m++) {
      const float* xr = x + (size_t)m * C; float* o = out + (size_t)m * C;
      if (b) for (int j = 0; j < C; j++) o[j] = (xr[j] + b[j]) >= 0.f ? 1.f : -1.f;
      else for (int j = 0; j < C; j++) o[j] = xr[j] >= 0.f ? 1.f : -1.f;
    }
  });
}

// RSign gradient, a = x + b: dx = dy * g(a) with g the quantizer's surrogate (KIND 1 steSign: 1{|a| <= clip};
// KIND 2 approxSign: max(0, 2 - 2|a|)), written as the unfused ops compute it; db = Σ_rows dx.
// One row per call with restrict pointers: GCC vectorizes it only when it knows the sums do not alias dx.
template <int KIND, bool HAS_B>
inline void frb_rsign_grad_row(const float* __restrict dy, const float* __restrict x, const float* __restrict b,
                                      float clip, float* __restrict dx, float* __restrict acc, int C) {
  for (int j = 0; j < C; j++) {
    const float a = HAS_B ? x[j] + b[j] : x[j];
    float g;
    if (KIND == 1) g = __builtin_fabsf(a) <= clip ? 1.f : 0.f;
    else { const float t = 2.f - 2.f * __builtin_fabsf(a); g = t > 0.f ? t : 0.f; }
    const float d = dy[j] * g;
    dx[j] = d;
    acc[j] += d;
  }
}

template <int KIND>
void frb_rsign_grad(const float* dy, const float* x, const float* b, float clip, float* dx, float* db,
                           int64_t M, int C, int threads) {
  float* outs[1] = {db};
  const float signs[1] = {1.f};
  frb_rows_with_sums<1>(M, C, threads, outs, signs, [&](int64_t m0, int64_t m1, float* acc) {
    for (int64_t m = m0; m < m1; m++) {
      const size_t r = (size_t)m * C;
      if (b) frb_rsign_grad_row<KIND, true>(dy + r, x + r, b, clip, dx + r, acc, C);
      else frb_rsign_grad_row<KIND, false>(dy + r, x + r, b, clip, dx + r, acc, C);
    }
  });
}

// RPReLU forward (layers/rprelu.ts): s = x - gamma; out = (s < 0 ? s * alpha : s) + zeta.
void frb_rprelu(const float* x, const float* g, const float* al, const float* z, float* out, int64_t M, int C,
                       int threads) {
  parallel_elastic(frb_threads_for(M * C, threads), M, [&](int, int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; m++) {
      const size_t r = (size_t)m * C;
      for (int j = 0; j < C; j++) {
        const float s = x[r + j] - g[j], neg = s * al[j];
        out[r + j] = (s < 0.f ? neg : s) + z[j];
      }
    }
  });
}

// RPReLU gradient, as tfjs' Add, Prelu and Sub gradients compute it: ds = s > 0 ? dy : dy * alpha (= dx),
// dzeta = Σ dy, dalpha = Σ (s > 0 ? 0 : dy * s), dgamma = -Σ ds.
inline void frb_rprelu_grad_row(const float* __restrict dy, const float* __restrict x, const float* __restrict g,
                                       const float* __restrict al, float* __restrict dx, float* __restrict az,
                                       float* __restrict aa, float* __restrict ag, int C) {
  for (int j = 0; j < C; j++) {
    const float s = x[j] - g[j], d = dy[j], dneg = d * al[j], ds_neg = d * s;
    const bool pos = s > 0.f;
    const float ds = pos ? d : dneg;
    dx[j] = ds;
    az[j] += d; aa[j] += pos ? 0.f : ds_neg; ag[j] += ds;
  }
}

void frb_rprelu_grad(const float* dy, const float* x, const float* g, const float* al, float* dx, float* dg,
                            float* da, float* dz, int64_t M, int C, int threads) {
  float* outs[3] = {dz, da, dg};
  const float signs[3] = {1.f, 1.f, -1.f};
  frb_rows_with_sums<3>(M, C, threads, outs, signs, [&](int64_t m0, int64_t m1, float* acc) {
    for (int64_t m = m0; m < m1; m++) {
      const size_t r = (size_t)m * C;
      frb_rprelu_grad_row(dy + r, x + r, g, al, dx + r, acc, acc + C, acc + 2 * C, C);
    }
  });
}

// Transpose of a float32 tensor of rank <= 8: out[i] = x[Σ_d idx_d * stride[perm[d]]]. The output is cut into
// blocks of its innermost axes (>= 64 elements, cache-resident), spread over threads; inside a block the innermost
// loop runs along the block's longest axis, so neither side walks runs of 2 (the pixel shuffle's gradient
// transpose has 2-element innermost axes). Odometers walk the other axes.
void frb_transpose(const float* x, float* out, int rank, const int32_t* shape, const int32_t* perm, int threads) {
  int64_t inStride[8] = {0}, on[8] = {0}, is[8] = {0}, os[8] = {0};
  int64_t total = 1;
  for (int d = rank - 1; d >= 0; d--) { inStride[d] = total; total *= shape[d]; }
  for (int d = 0; d < rank; d++) { on[d] = shape[perm[d]]; is[d] = inStride[perm[d]]; }
  os[rank - 1] = 1;
  for (int d = rank - 2; d >= 0; d--) os[d] = os[d + 1] * on[d + 1];
  int b0 = rank - 1;
  int64_t blk = on[rank - 1];
  while (b0 > 0 && blk < 64) blk *= on[--b0];
  int inner = rank - 1;
  for (int d = b0; d < rank; d++) if (on[d] > on[inner]) inner = d;
  const int64_t n = on[inner], si = is[inner], so = os[inner];
  parallel_elastic(frb_threads_for(total, threads), total / blk, [&](int, int64_t r0, int64_t r1) {
    int64_t idx[8] = {0}, bidx[8] = {0};
    int64_t ibase = 0, rem = r0;
    for (int d = b0 - 1; d >= 0; d--) { idx[d] = rem % on[d]; rem /= on[d]; ibase += idx[d] * is[d]; }
    for (int64_t r = r0; r < r1; r++) {
      float* ob = out + (size_t)r * blk;
      int64_t bi = ibase, bo = 0;
      for (;;) {
        const float* src = x + bi;
        float* dst = ob + bo;
        if (si == 1 && so == 1) std::memcpy(dst, src, (size_t)n * sizeof(float));
        else for (int64_t i = 0; i < n; i++) dst[i * so] = src[i * si];
        int d = rank - 1;
        for (; d >= b0; d--) {
          if (d == inner) continue;
          bi += is[d]; bo += os[d];
          if (++bidx[d] < on[d]) break;
          bi -= bidx[d] * is[d]; bo -= bidx[d] * os[d]; bidx[d] = 0;
        }
        if (d < b0) break;
      }
      for (int d = b0 - 1; d >= 0; d--) {
        ibase += is[d];
        if (++idx[d] < on[d]) break;
        ibase -= idx[d] * is[d];
        idx[d] = 0;
      }
    }
  });
}

// out = a + b, same shape (the binary units' shortcuts and the gradient sums of tensors used twice).
void frb_add(const float* a, const float* b, float* out, int64_t n, int threads) {
  parallel_elastic(frb_threads_for(n, threads), (n + 4095) / 4096, [&](int, int64_t b0, int64_t b1) {
    const int64_t i1 = std::min(n, b1 * 4096);
    for (int64_t i = b0 * 4096; i < i1; i++) out[i] = a[i] + b[i];
  });
}

// SRB weight binarizer (srb.ts) on a kernel viewed as [K rows][Co output channels], per channel o:
// r = w - mean(w) (center), then per base k: α = mean|r| (1 without scale), B = α·sign(r), out += B, r -= B.
// Means are taken as the backend's own Mean kernel takes them, so Ŵ equals the unfused ops' bit for bit:
// tfjs-wasm sums in float in row order, then divides by K (cpuMean false); tfjs-cpu divides each element by K,
// then sums in double (cpuMean true). The kernels are small (K·Co ≈ 10^4): one thread.
void frb_col_mean(const float* v, int K, int Co, bool absolute, bool cpuMean, float* mean) {
  std::vector<double> acc(cpuMean ? Co : 0, 0.0);
  for (int o = 0; o < Co; o++) mean[o] = 0.f;
  const float fk = (float)K;
  for (int k = 0; k < K; k++) {
    const float* row = v + (size_t)k * Co;
    for (int o = 0; o < Co; o++) {
      const float x = absolute ? __builtin_fabsf(row[o]) : row[o];
      if (cpuMean) acc[o] += (double)(x / fk);
      else mean[o] += x;
    }
  }
  for (int o = 0; o < Co; o++) mean[o] = cpuMean ? (float)acc[o] : mean[o] / fk;
}

// Forward (dy null): writes Ŵ to out. Gradient: writes dL/dw to out from dy = dL/dŴ, each base differentiated as
// clip(r, -1, 1) (so dL/dr_0 = dy where some base's |r_{k-1}| <= 1, else 0), then the centering's mean removed
// as tfjs' Sub and Mean gradients do: dw = dr_0 + (-Σ_rows dr_0) / K.
void frb_srb(const float* w, const float* dy, float* out, int K, int Co, int order, bool center, bool scale,
                    bool cpuMean) {
  const size_t n = (size_t)K * Co;
  std::vector<float> r(w, w + n), stat(Co);
  std::vector<unsigned char> pass(dy ? n : 0, 0);
  if (center) {
    frb_col_mean(w, K, Co, false, cpuMean, stat.data());
    for (size_t i = 0; i < n; i++) r[i] = w[i] - stat[i % Co];
  }
  for (int b = 0; b < order; b++) {
    if (scale) frb_col_mean(r.data(), K, Co, true, cpuMean, stat.data());
    else std::fill(stat.begin(), stat.end(), 1.f);
    for (size_t i = 0; i < n; i++) {
      const float a = stat[i % Co], base = r[i] >= 0.f ? a : -a;
      if (dy) pass[i] |= __builtin_fabsf(r[i]) <= 1.f;
      else out[i] = b == 0 ? base : out[i] + base;
      r[i] = r[i] - base;
    }
  }
  if (!dy) return;
  for (size_t i = 0; i < n; i++) out[i] = pass[i] ? dy[i] : dy[i] * 0.f;
  if (!center) return;
  float* outs[1] = {stat.data()};
  const float signs[1] = {-1.f};
  frb_rows_with_sums<1>(K, Co, 1, outs, signs, [&](int64_t m0, int64_t m1, float* acc) {
    for (int64_t m = m0; m < m1; m++) for (int o = 0; o < Co; o++) acc[o] += out[(size_t)m * Co + o];
  });
  for (size_t i = 0; i < n; i++) out[i] = out[i] + stat[i % Co] / (float)K;
}

#pragma GCC pop_options

// ---- N-API ----
// rsign(params [threads, M, C], x [M][C], b [C] | null, out)
napi_value RSign(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native rsign(params Int32Array[threads, M, C], x, b|null, out)", 3);
  const int M = a.dim(1), C = a.dim(2, 1);
  const size_t n = (size_t)M * C;
  const float* x = a.f32(1, "x", n);
  const float* b = a.f32(2, "b", C, true);
  float* out = a.f32(3, "out", n);
  if (!a.ok()) return a.fail();
  frb_rsign(x, b, out, M, C, a.threads());
  return nullptr;
}

// rsignGrad(params [threads, M, C, kind (1 steSign, 2 approxSign)], clip [1], dy, x, b | null, dx, db | null)
napi_value RSignGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native rsignGrad(params Int32Array[threads, M, C, kind], clip, dy, x, b|null, dx, db|null)", 4);
  const int M = a.dim(1), C = a.dim(2, 1), kind = a.dim(3, 1);
  if (kind != 1 && kind != 2) a.invalid("params[3] (kind) must be 1 (steSign) or 2 (approxSign)");
  const size_t n = (size_t)M * C;
  const float* clip = a.f32(1, "clip", 1);
  const float* dy = a.f32(2, "dy", n);
  const float* x = a.f32(3, "x", n);
  const float* b = a.f32(4, "b", C, true);
  float* dx = a.f32(5, "dx", n);
  float* db = a.f32(6, "db", C, true);
  if (!a.ok()) return a.fail();
  if (kind == 1) frb_rsign_grad<1>(dy, x, b, clip[0], dx, db, M, C, a.threads());
  else frb_rsign_grad<2>(dy, x, b, clip[0], dx, db, M, C, a.threads());
  return nullptr;
}

// rprelu(params [threads, M, C], x, gamma [C], alpha [C], zeta [C], out)
napi_value RPReLU(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native rprelu(params Int32Array[threads, M, C], x, gamma, alpha, zeta, out)", 3);
  const int M = a.dim(1), C = a.dim(2, 1);
  const size_t n = (size_t)M * C;
  const float* x = a.f32(1, "x", n);
  const float* g = a.f32(2, "gamma", C);
  const float* al = a.f32(3, "alpha", C);
  const float* z = a.f32(4, "zeta", C);
  float* out = a.f32(5, "out", n);
  if (!a.ok()) return a.fail();
  frb_rprelu(x, g, al, z, out, M, C, a.threads());
  return nullptr;
}

// rpreluGrad(params [threads, M, C], dy, x, gamma, alpha, dx, dgamma, dalpha, dzeta)
napi_value RPReLUGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native rpreluGrad(params Int32Array[threads, M, C], dy, x, gamma, alpha, dx, dgamma, dalpha, dzeta)", 3);
  const int M = a.dim(1), C = a.dim(2, 1);
  const size_t n = (size_t)M * C;
  const float* dy = a.f32(1, "dy", n);
  const float* x = a.f32(2, "x", n);
  const float* g = a.f32(3, "gamma", C);
  const float* al = a.f32(4, "alpha", C);
  float* dx = a.f32(5, "dx", n);
  float* dg = a.f32(6, "dgamma", C);
  float* da = a.f32(7, "dalpha", C);
  float* dz = a.f32(8, "dzeta", C);
  if (!a.ok()) return a.fail();
  frb_rprelu_grad(dy, x, g, al, dx, dg, da, dz, M, C, a.threads());
  return nullptr;
}

// transpose(params [threads, rank, ...shape, ...perm] (rank 1..8), x, out)
napi_value Transpose(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native transpose(params Int32Array[threads, rank, ...shape, ...perm], x, out)", 2);
  const int rank = a.dim(1, 1);
  if (rank > 8) a.invalid("params[1] (rank) must be at most 8");
  size_t n = 1;
  unsigned seen = 0;
  for (int d = 0; d < rank && a.ok(); d++) {
    n *= (size_t)a.dim(2 + d);
    const int p = a.dim(2 + rank + d);
    if (p >= rank || ((seen >> p) & 1u)) a.invalid("params[2 + rank ..] (perm) must be a permutation of 0..rank-1");
    seen |= 1u << (p & 31);
  }
  const float* x = a.f32(1, "x", n);
  float* out = a.f32(2, "out", n);
  if (!a.ok()) return a.fail();
  if (n > 0) frb_transpose(x, out, rank, a.params() + 2, a.params() + 2 + rank, a.threads());
  return nullptr;
}

// srb(params [threads (unused: one thread), K, Co, order, center, scale, cpuMean], w [K][Co], dy | null, out):
// Ŵ (dy null) or dL/dw.
napi_value SRB(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native srb(params Int32Array[threads, K, Co, order, center, scale, cpuMean], w, dy|null, out)", 7);
  const int K = a.dim(1, 1), Co = a.dim(2, 1), order = a.dim(3, 1), center = a.dim(4), scale = a.dim(5), cpuMean = a.dim(6);
  if (!scale && order != 1) a.invalid("params[3] (order) must be 1 when params[5] (scale) is 0");
  const size_t n = (size_t)K * Co;
  const float* w = a.f32(1, "w", n);
  const float* dy = a.f32(2, "dy", n, true);
  float* out = a.f32(3, "out", n);
  if (!a.ok()) return a.fail();
  frb_srb(w, dy, out, K, Co, order, center != 0, scale != 0, cpuMean != 0);
  return nullptr;
}

// add(params [threads, n], a, b, out)
napi_value Add(napi_env env, napi_callback_info info) {
  Args a(env, info, "frb native add(params Int32Array[threads, n], a, b, out)", 2);
  const int64_t n = a.dim(1);
  const float* x = a.f32(1, "a", n);
  const float* y = a.f32(2, "b", n);
  float* out = a.f32(3, "out", n);
  if (!a.ok()) return a.fail();
  frb_add(x, y, out, n, a.threads());
  return nullptr;
}

}  // namespace

void register_fused(napi_env env, napi_value exports) {
  export_function(env, exports, "rsign", RSign);
  export_function(env, exports, "rsignGrad", RSignGrad);
  export_function(env, exports, "rprelu", RPReLU);
  export_function(env, exports, "rpreluGrad", RPReLUGrad);
  export_function(env, exports, "transpose", Transpose);
  export_function(env, exports, "srb", SRB);
  export_function(env, exports, "add", Add);
}

}  // namespace frb
