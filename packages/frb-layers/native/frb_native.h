// Shared by the native kernels of @frb/layers (compiled on first use by src/kernels/native/loader.ts):
// the vector helpers, the one conv geometry layout, the one thread pool, and the one N-API argument convention.
//
// Argument convention of every exported function: fn(params Int32Array, ...arrays), where
//   params[0]    = threads the call may use (>= 1),
//   params[1..]  = the kernel's sizes; a conv's first 15 are the geometry below, in that order,
// and the arrays are Float32Arrays (or Int32Arrays where said) read or written in place; optional ones may be
// null. Outputs are allocated by the caller (in the backend's memory), so no function returns a value.
#pragma once

#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace frb {

// 16 float lanes through GCC vector extensions: 512-bit registers with AVX-512, narrower ones elsewhere.
typedef float v16 __attribute__((vector_size(64), aligned(4)));

static inline v16 ld(const float* p) { v16 v; std::memcpy(&v, p, 64); return v; }
static inline void st(float* p, v16 v) { std::memcpy(p, &v, 64); }
static inline v16 bc(float a) { return (v16){a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a}; }

// NHWC conv geometry, the layout params[1..15] carry: input N×H×W×Ci, kernel kH×kW, strides, dilations, the
// top/left padding (bottom/right follow from the output size), output Ho×Wo×Co.
struct Geo {
  int N, H, W, Ci, kH, kW, sH, sW, dH, dW, pT, pL, Ho, Wo, Co;
};
constexpr int kGeoInts = 15;

// Runs task(part) for part in [0, parts) on the calling thread and the pool's persistent helpers (module.cc):
// `fixed` gives part 0 to the caller and part h + 1 to helper h; otherwise parts go to whoever claims them first.
void run_parts(int parts, const std::function<void(int)>& task, bool fixed);

// f(part, begin, end) over `threads` static parts of [0, n): part i is [n·i/parts, n·(i+1)/parts). The parts
// are fixed by (threads, n) alone, so per-part partial sums, hence results, do not depend on which thread runs
// which part. `parallel` runs each part on its own thread (for long compute-bound kernels: the call holds
// `threads` runnable threads, as many time slices on a loaded machine); `parallel_elastic` lets the caller take
// the parts no helper has claimed yet (for short memory-bound kernels, where waiting for a helper's wake-up costs
// more than the part).
template <typename F>
static void parallel(int threads, int64_t n, F f) {
  if (threads <= 1 || n < 2) { f(0, (int64_t)0, n); return; }
  const int parts = (int)std::min<int64_t>(threads, n);
  run_parts(parts, [&](int i) { f(i, n * i / parts, n * (i + 1) / parts); }, true);
}

template <typename F>
static void parallel_elastic(int threads, int64_t n, F f) {
  if (threads <= 1 || n < 2) { f(0, (int64_t)0, n); return; }
  const int parts = (int)std::min<int64_t>(threads, n);
  run_parts(parts, [&](int i) { f(i, n * i / parts, n * (i + 1) / parts); }, false);
}

// Reads one exported function's arguments per the convention above. Each accessor records the first problem
// (naming the argument) and returns a harmless value, so a function reads everything, then checks ok() once.
class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* usage, size_t minParams);
  bool ok() const { return error_.empty(); }
  // Throws a TypeError "<usage>: <first problem>" and returns the value an N-API function returns after a throw.
  napi_value fail();
  int threads() const { return ok() ? std::max(1, params_[0]) : 1; }
  // params[i], required to be >= min.
  int dim(size_t i, int min = 0);
  // The conv geometry at params[1..15] (sizes >= 0, strides and dilations >= 1).
  Geo geo();
  // A Float32Array argument of at least n elements; optional ones may be null/undefined (then nullptr).
  float* f32(size_t i, const char* name, size_t n, bool optional = false);
  // An Int32Array argument of at least n elements.
  int32_t* i32(size_t i, const char* name, size_t n);
  // Records a problem the accessors cannot see (a value out of its set, say).
  void invalid(const std::string& what) { problem(what); }
  const int32_t* params() const { return params_; }
  size_t nparams() const { return nparams_; }

 private:
  void problem(const std::string& what) { if (error_.empty()) error_ = what; }
  napi_env env_;
  const char* usage_;
  static constexpr size_t kMaxArgs = 160;
  napi_value argv_[kMaxArgs];
  size_t argc_ = kMaxArgs;
  int32_t* params_ = nullptr;
  size_t nparams_ = 0;
  std::string error_;
};

// The narrow float conv (conv.cc: Co <= 4 with Ci % 16 == 0, the conv to RGB), for the fused tail (xnor.cc): the
// weights [kH][kW][Ci][Co] re-laid [tap][co][ci] once per call, and the outputs of geometry g (N = 1) with input row
// ih read at rowp[ih] (zeros: Ci zeros, for the padding), the same sums as the whole-tensor conv2d.
std::vector<float> narrow_weights(const float* w, const Geo& g);
void conv_narrow_rows(const float* const* rowp, const float* wt, const float* zeros, const float* bias, float* out, const Geo& g);

// Registration of each source file's exports (called from module.cc).
void register_conv(napi_env env, napi_value exports);
void register_xnor(napi_env env, napi_value exports);
void register_fused(napi_env env, napi_value exports);
void export_function(napi_env env, napi_value exports, const char* name, napi_callback cb);

}  // namespace frb
