// C++ source of the fused per-step kernels of the binary units, the pixel shuffle's transpose and a few other
// per-step ops (issue 3). loader.ts splices it in front of conv_source.ts' module init, so it reuses that file's
// f32() helper; frb_register_elementwise() exports its N-API functions. JS side: fused_kernels.ts.
export const FRB_ELEMENTWISE_SOURCE = String.raw`
// ---- fused per-step kernels: RSign + quantizer, RPReLU, SRB weight binarizer, Transpose, Add (float32) ----
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

// frb_parallel(threads, n, f): f(part, begin, end) over the same static parts as conv_source's parallel() (so
// per-part partial sums, hence results, are identical), but run by a pool of persistent helper threads that
// claim parts as they wake, the calling thread claiming too. On a loaded machine a helper that gets no core in
// time simply claims nothing and the caller finishes alone, instead of the caller waiting (in join) for a
// freshly spawned thread to be scheduled, which cost these memory-bound kernels several ms a call. The pool
// lives until the process exits (never destroyed: its threads sleep on a condition variable).
struct FrbPool {
  std::mutex m;
  std::condition_variable wake, done;
  std::vector<std::thread*> helpers;
  std::function<void(int)> task;
  uint64_t gen = 0;
  int parts = 0, next = 0, finished = 0;
  std::mutex busy;  // one job at a time (another JS thread using the module runs its job inline)
};
static FrbPool* frb_pool() {
  static FrbPool* pool = new FrbPool();
  return pool;
}
static void frb_helper(FrbPool* p) {
  std::unique_lock<std::mutex> lk(p->m);
  uint64_t seen = 0;
  for (;;) {
    p->wake.wait(lk, [&] { return p->gen != seen; });
    seen = p->gen;
    while (p->next < p->parts) {
      const int i = p->next++;
      lk.unlock();
      p->task(i);
      lk.lock();
      if (++p->finished == p->parts) p->done.notify_all();
    }
  }
}
template <typename F>
static void frb_parallel(int threads, int64_t n, F f) {
  if (threads <= 1 || n < 2) { f(0, (int64_t)0, n); return; }
  const int parts = (int)std::min<int64_t>(threads, n);
  auto run = [&](int i) { f(i, n * i / parts, n * (i + 1) / parts); };
  FrbPool* p = frb_pool();
  std::unique_lock<std::mutex> busy(p->busy, std::try_to_lock);
  if (!busy.owns_lock()) { for (int i = 0; i < parts; i++) run(i); return; }
  std::unique_lock<std::mutex> lk(p->m);
  while ((int)p->helpers.size() < parts - 1) p->helpers.push_back(new std::thread(frb_helper, p));
  p->task = run; p->parts = parts; p->next = 0; p->finished = 0; p->gen++;
  p->wake.notify_all();
  while (p->next < parts) {
    const int i = p->next++;
    lk.unlock();
    run(i);
    lk.lock();
    ++p->finished;
  }
  p->done.wait(lk, [&] { return p->finished == parts; });
  p->task = nullptr;
}

// The fused kernels must round every product as the separate tfjs ops do (the module is built -march=native,
// where GCC would otherwise contract a * b + c into one FMA). Both sides of each select are computed
// unconditionally and FP traps are not modelled, so the selects vectorize as blends instead of branches.
// (GCC does not inline functions compiled with other options into this region: use builtins, not <cmath>.)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off", "no-trapping-math")

// Elementwise work below this size runs on the calling thread: starting std::threads costs more than it saves.
static inline int frb_threads_for(int64_t n, int threads) { return n < 32768 ? 1 : std::max(1, threads); }

// Rows [0, M) of C channels, with K per-channel sums of values the body produces. The sums are accumulated
// exactly as colsum() does (float per 256-row chunk, double per thread, threads added in order), so a fused
// gradient's parameter sums equal those the Sum kernel gives the unfused ops (bit for bit).
template <int K, typename Body>
static void frb_rows_with_sums(int64_t M, int C, int threads, float* const* outs, const float* signs, Body body) {
  const int64_t CH = 256;
  const int64_t chunks = (M + CH - 1) / CH;
  threads = (int)std::max<int64_t>(1, std::min<int64_t>(frb_threads_for(M * C, threads), chunks));
  std::vector<double> part((size_t)threads * K * C, 0.0);
  frb_parallel(threads, chunks, [&](int tid, int64_t c0, int64_t c1) {
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
static void frb_rsign(const float* x, const float* b, float* out, int64_t M, int C, int threads) {
  frb_parallel(frb_threads_for(M * C, threads), M, [&](int, int64_t m0, int64_t m1) {
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
static inline void frb_rsign_grad_row(const float* __restrict dy, const float* __restrict x, const float* __restrict b,
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
static void frb_rsign_grad(const float* dy, const float* x, const float* b, float clip, float* dx, float* db,
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
static void frb_rprelu(const float* x, const float* g, const float* al, const float* z, float* out, int64_t M, int C,
                       int threads) {
  frb_parallel(frb_threads_for(M * C, threads), M, [&](int, int64_t m0, int64_t m1) {
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
static inline void frb_rprelu_grad_row(const float* __restrict dy, const float* __restrict x, const float* __restrict g,
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

static void frb_rprelu_grad(const float* dy, const float* x, const float* g, const float* al, float* dx, float* dg,
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
static void frb_transpose(const float* x, float* out, int rank, const int32_t* shape, const int32_t* perm, int threads) {
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
  frb_parallel(frb_threads_for(total, threads), total / blk, [&](int, int64_t r0, int64_t r1) {
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
static void frb_add(const float* a, const float* b, float* out, int64_t n, int threads) {
  frb_parallel(frb_threads_for(n, threads), (n + 4095) / 4096, [&](int, int64_t b0, int64_t b1) {
    const int64_t i1 = std::min(n, b1 * 4096);
    for (int64_t i = b0 * 4096; i < i1; i++) out[i] = a[i] + b[i];
  });
}

// SRB weight binarizer (srb.ts) on a kernel viewed as [K rows][Co output channels], per channel o:
// r = w - mean(w) (center), then per base k: α = mean|r| (1 without scale), B = α·sign(r), out += B, r -= B.
// Means are taken as the backend's own Mean kernel takes them, so Ŵ equals the unfused ops' bit for bit:
// tfjs-wasm sums in float in row order, then divides by K (cpuMean false); tfjs-cpu divides each element by K,
// then sums in double (cpuMean true). The kernels are small (K·Co ≈ 10^4): one thread.
static void frb_col_mean(const float* v, int K, int Co, bool absolute, bool cpuMean, float* mean) {
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
static void frb_srb(const float* w, const float* dy, float* out, int K, int Co, int order, bool center, bool scale,
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

// ---- N-API glue: every function takes (params Int32Array, ...Float32Array | null) and writes its outputs ----
static bool frb_params(napi_env env, napi_value v, int32_t** p, size_t* len) {
  napi_typedarray_type type; napi_value ab; size_t off;
  return napi_get_typedarray_info(env, v, &type, len, (void**)p, &ab, &off) == napi_ok && type == napi_int32_array;
}
// A Float32Array of at least n elements, or (optional) null/undefined -> nullptr.
static bool frb_arr(napi_env env, napi_value v, float** p, size_t n, bool optional) {
  napi_valuetype t; napi_typeof(env, v, &t);
  if (optional && (t == napi_null || t == napi_undefined)) { *p = nullptr; return true; }
  size_t len;
  return f32(env, v, p, &len) && len >= n;
}
static napi_value frb_bad(napi_env env, const char* usage) {
  napi_throw_type_error(env, nullptr, usage);
  return nullptr;
}

// rsign(params [M, C, threads], x, b|null, out)
static napi_value FrbRSign(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  const char* usage = "frb_conv.rsign(params Int32Array[M, C, threads], x, b|null, out): bad arguments";
  int32_t* p; size_t pl; float *x, *b, *out;
  if (argc < 4 || !frb_params(env, argv[0], &p, &pl) || pl < 3 || p[0] < 0 || p[1] < 1) return frb_bad(env, usage);
  const size_t n = (size_t)p[0] * p[1];
  if (!frb_arr(env, argv[1], &x, n, false) || !frb_arr(env, argv[2], &b, p[1], true) || !frb_arr(env, argv[3], &out, n, false))
    return frb_bad(env, usage);
  frb_rsign(x, b, out, p[0], p[1], p[2]);
  return nullptr;
}

// rsignGrad(params [M, C, threads, kind (1 steSign, 2 approxSign)], clip Float32Array[1], dy, x, b|null, dx, db|null)
static napi_value FrbRSignGrad(napi_env env, napi_callback_info info) {
  size_t argc = 7; napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  const char* usage = "frb_conv.rsignGrad(params Int32Array[M, C, threads, kind], clip, dy, x, b|null, dx, db|null): bad arguments";
  int32_t* p; size_t pl; float *clip, *dy, *x, *b, *dx, *db;
  if (argc < 7 || !frb_params(env, argv[0], &p, &pl) || pl < 4 || p[0] < 0 || p[1] < 1 || (p[3] != 1 && p[3] != 2))
    return frb_bad(env, usage);
  const size_t n = (size_t)p[0] * p[1];
  if (!frb_arr(env, argv[1], &clip, 1, false) || !frb_arr(env, argv[2], &dy, n, false) || !frb_arr(env, argv[3], &x, n, false) ||
      !frb_arr(env, argv[4], &b, p[1], true) || !frb_arr(env, argv[5], &dx, n, false) || !frb_arr(env, argv[6], &db, p[1], true))
    return frb_bad(env, usage);
  if (p[3] == 1) frb_rsign_grad<1>(dy, x, b, clip[0], dx, db, p[0], p[1], p[2]);
  else frb_rsign_grad<2>(dy, x, b, clip[0], dx, db, p[0], p[1], p[2]);
  return nullptr;
}

// rprelu(params [M, C, threads], x, gamma, alpha, zeta, out)
static napi_value FrbRPReLU(napi_env env, napi_callback_info info) {
  size_t argc = 6; napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  const char* usage = "frb_conv.rprelu(params Int32Array[M, C, threads], x, gamma, alpha, zeta, out): bad arguments";
  int32_t* p; size_t pl; float *x, *g, *a, *z, *out;
  if (argc < 6 || !frb_params(env, argv[0], &p, &pl) || pl < 3 || p[0] < 0 || p[1] < 1) return frb_bad(env, usage);
  const size_t n = (size_t)p[0] * p[1];
  if (!frb_arr(env, argv[1], &x, n, false) || !frb_arr(env, argv[2], &g, p[1], false) || !frb_arr(env, argv[3], &a, p[1], false) ||
      !frb_arr(env, argv[4], &z, p[1], false) || !frb_arr(env, argv[5], &out, n, false))
    return frb_bad(env, usage);
  frb_rprelu(x, g, a, z, out, p[0], p[1], p[2]);
  return nullptr;
}

// rpreluGrad(params [M, C, threads], dy, x, gamma, alpha, dx, dgamma, dalpha, dzeta)
static napi_value FrbRPReLUGrad(napi_env env, napi_callback_info info) {
  size_t argc = 9; napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  const char* usage = "frb_conv.rpreluGrad(params Int32Array[M, C, threads], dy, x, gamma, alpha, dx, dgamma, dalpha, dzeta): bad arguments";
  int32_t* p; size_t pl; float *dy, *x, *g, *a, *dx, *dg, *da, *dz;
  if (argc < 9 || !frb_params(env, argv[0], &p, &pl) || pl < 3 || p[0] < 0 || p[1] < 1) return frb_bad(env, usage);
  const size_t n = (size_t)p[0] * p[1], c = p[1];
  if (!frb_arr(env, argv[1], &dy, n, false) || !frb_arr(env, argv[2], &x, n, false) || !frb_arr(env, argv[3], &g, c, false) ||
      !frb_arr(env, argv[4], &a, c, false) || !frb_arr(env, argv[5], &dx, n, false) || !frb_arr(env, argv[6], &dg, c, false) ||
      !frb_arr(env, argv[7], &da, c, false) || !frb_arr(env, argv[8], &dz, c, false))
    return frb_bad(env, usage);
  frb_rprelu_grad(dy, x, g, a, dx, dg, da, dz, p[0], p[1], p[2]);
  return nullptr;
}

// transpose(params [rank, threads, shape..., perm...], x, out)
static napi_value FrbTranspose(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  const char* usage = "frb_conv.transpose(params Int32Array[rank, threads, shape..., perm...], x, out): bad arguments";
  int32_t* p; size_t pl; float *x, *out;
  if (argc < 3 || !frb_params(env, argv[0], &p, &pl) || pl < 2 || p[0] < 1 || p[0] > 8 || pl < (size_t)(2 + 2 * p[0]))
    return frb_bad(env, usage);
  const int rank = p[0];
  const int32_t* shape = p + 2; const int32_t* perm = p + 2 + rank;
  size_t n = 1; unsigned seen = 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] < 0 || perm[d] < 0 || perm[d] >= rank || (seen >> perm[d]) & 1u) return frb_bad(env, usage);
    seen |= 1u << perm[d];
    n *= (size_t)shape[d];
  }
  if (!frb_arr(env, argv[1], &x, n, false) || !frb_arr(env, argv[2], &out, n, false)) return frb_bad(env, usage);
  if (n > 0) frb_transpose(x, out, rank, shape, perm, p[1]);
  return nullptr;
}

// srb(params [K, Co, order, center, scale, cpuMean], w, dy|null, out): Ŵ (dy null) or dL/dw.
static napi_value FrbSRB(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  const char* usage = "frb_conv.srb(params Int32Array[K, Co, order, center, scale, cpuMean], w, dy|null, out): bad arguments";
  int32_t* p; size_t pl; float *w, *dy, *out;
  if (argc < 4 || !frb_params(env, argv[0], &p, &pl) || pl < 6 || p[0] < 1 || p[1] < 1 || p[2] < 1 || (!p[4] && p[2] != 1))
    return frb_bad(env, usage);
  const size_t n = (size_t)p[0] * p[1];
  if (!frb_arr(env, argv[1], &w, n, false) || !frb_arr(env, argv[2], &dy, n, true) || !frb_arr(env, argv[3], &out, n, false))
    return frb_bad(env, usage);
  frb_srb(w, dy, out, p[0], p[1], p[2], p[3] != 0, p[4] != 0, p[5] != 0);
  return nullptr;
}

// add(params [n, threads], a, b, out)
static napi_value FrbAdd(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  const char* usage = "frb_conv.add(params Int32Array[n, threads], a, b, out): bad arguments";
  int32_t* p; size_t pl; float *a, *b, *out;
  if (argc < 4 || !frb_params(env, argv[0], &p, &pl) || pl < 2 || p[0] < 0) return frb_bad(env, usage);
  if (!frb_arr(env, argv[1], &a, p[0], false) || !frb_arr(env, argv[2], &b, p[0], false) || !frb_arr(env, argv[3], &out, p[0], false))
    return frb_bad(env, usage);
  frb_add(a, b, out, p[0], p[1]);
  return nullptr;
}

static void frb_register_elementwise(napi_env env, napi_value exports) {
  const struct { const char* name; napi_callback cb; } fns[] = {
    {"rsign", FrbRSign}, {"rsignGrad", FrbRSignGrad}, {"rprelu", FrbRPReLU}, {"rpreluGrad", FrbRPReLUGrad},
    {"transpose", FrbTranspose}, {"srb", FrbSRB}, {"add", FrbAdd},
  };
  for (const auto& fn : fns) {
    napi_value f;
    napi_create_function(env, fn.name, NAPI_AUTO_LENGTH, fn.cb, nullptr, &f);
    napi_set_named_property(env, exports, fn.name, f);
  }
}

`;
