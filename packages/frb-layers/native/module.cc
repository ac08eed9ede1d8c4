// The module's entry: the thread pool, the argument reader, and the export table of every kernel file.
#include "frb_native.h"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace frb {

// One pool for every kernel: persistent helpers sleeping on a condition variable (no thread started per call).
// Two ways to hand out the parts (see frb_native.h): `fixed`, helper h runs part h + 1 and the caller part 0,
// so a call keeps `parts` runnable threads for its whole length, which on a loaded machine is what earns it that
// many time slices against other processes (the long conv kernels); `elastic`, helpers and the caller *claim*
// parts as they get to them, so a helper that gets no core in time claims nothing and the caller finishes alone
// instead of waiting for it (the short memory-bound kernels, where that wait cost several ms a call). The pool
// lives until the process exits.
namespace {
struct Pool {
  std::mutex m;
  std::condition_variable wake, done;
  std::vector<std::thread*> helpers;
  const std::function<void(int)>* task = nullptr;
  uint64_t gen = 0;
  bool fixed = false;
  int parts = 0, next = 0, finished = 0;
  std::mutex busy;  // one job at a time; a second caller (another JS thread) runs its job inline
};

Pool* pool() {
  static Pool* p = new Pool();  // never destroyed: helpers may still be asleep on it at exit
  return p;
}

void run_part(Pool* p, std::unique_lock<std::mutex>& lk, int i) {
  const auto* task = p->task;
  lk.unlock();
  (*task)(i);
  lk.lock();
  if (++p->finished == p->parts) p->done.notify_all();
}

void helper(Pool* p, int index) {
  std::unique_lock<std::mutex> lk(p->m);
  uint64_t seen = 0;
  for (;;) {
    p->wake.wait(lk, [&] { return p->gen != seen; });
    seen = p->gen;
    if (p->fixed) {
      if (index + 1 < p->parts) run_part(p, lk, index + 1);
    } else {
      while (p->next < p->parts) run_part(p, lk, p->next++);
    }
  }
}
}  // namespace

void run_parts(int parts, const std::function<void(int)>& task, bool fixed) {
  Pool* p = pool();
  std::unique_lock<std::mutex> busy(p->busy, std::try_to_lock);
  if (parts < 2 || !busy.owns_lock()) {
    for (int i = 0; i < parts; i++) task(i);
    return;
  }
  std::unique_lock<std::mutex> lk(p->m);
  while ((int)p->helpers.size() < parts - 1) p->helpers.push_back(new std::thread(helper, p, (int)p->helpers.size()));
  p->task = &task; p->parts = parts; p->fixed = fixed; p->finished = 0; p->gen++;
  // Fixed: the caller takes part 0 and nothing else. Elastic: everyone claims from part 0 on.
  p->next = fixed ? parts : 0;
  p->wake.notify_all();
  if (fixed) run_part(p, lk, 0);
  while (p->next < parts) run_part(p, lk, p->next++);
  p->done.wait(lk, [&] { return p->finished == parts; });
  p->task = nullptr;
}

// ---- arguments ----
Args::Args(napi_env env, napi_callback_info info, const char* usage, size_t minParams) : env_(env), usage_(usage) {
  if (napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr) != napi_ok) { problem("cannot read the arguments"); return; }
  // N-API reports the number passed, but copies at most kMaxArgs of them.
  if (argc_ > kMaxArgs) { problem("takes at most " + std::to_string(kMaxArgs) + " arguments, got " + std::to_string(argc_)); argc_ = 0; return; }
  napi_typedarray_type type; napi_value ab; size_t off;
  if (argc_ < 1 || napi_get_typedarray_info(env, argv_[0], &type, &nparams_, (void**)&params_, &ab, &off) != napi_ok ||
      type != napi_int32_array) {
    problem("argument 0 (params) must be an Int32Array");
  } else if (nparams_ < minParams) {
    problem("params must hold at least " + std::to_string(minParams) + " ints, got " + std::to_string(nparams_));
  }
}

napi_value Args::fail() {
  const std::string msg = std::string(usage_) + ": " + error_;
  napi_throw_type_error(env_, nullptr, msg.c_str());
  return nullptr;
}

int Args::dim(size_t i, int min) {
  if (!ok()) return min;
  if (i >= nparams_) { problem("params[" + std::to_string(i) + "] is missing"); return min; }
  if (params_[i] < min) {
    problem("params[" + std::to_string(i) + "] must be >= " + std::to_string(min) + ", got " + std::to_string(params_[i]));
    return min;
  }
  return params_[i];
}

Geo Args::geo() {
  // Strides and dilations (geometry ints 6..9) must be >= 1, the paddings (10, 11) may be negative (a crop: the
  // input-gradient conv pads by (k−1)·d − pad), every other size >= 0.
  int v[kGeoInts];
  for (int i = 0; i < kGeoInts; i++) v[i] = dim(1 + i, (i >= 6 && i <= 9) ? 1 : (i == 10 || i == 11) ? INT32_MIN : 0);
  return Geo{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
}

float* Args::f32(size_t i, const char* name, size_t n, bool optional) {
  if (!ok()) return nullptr;
  const std::string subject = "argument " + std::to_string(i) + " (" + name + ")";
  if (i >= argc_) {
    if (!optional) problem(subject + " is missing");
    return nullptr;
  }
  napi_valuetype vt;
  napi_typeof(env_, argv_[i], &vt);
  if (optional && (vt == napi_null || vt == napi_undefined)) return nullptr;
  napi_typedarray_type type; napi_value ab; size_t off, len; void* data;
  if (napi_get_typedarray_info(env_, argv_[i], &type, &len, &data, &ab, &off) != napi_ok || type != napi_float32_array) {
    problem(subject + (optional ? " must be a Float32Array or null" : " must be a Float32Array"));
    return nullptr;
  }
  if (len < n) { problem(subject + " has " + std::to_string(len) + " elements, needs " + std::to_string(n)); return nullptr; }
  return static_cast<float*>(data);
}

int32_t* Args::i32(size_t i, const char* name, size_t n) {
  if (!ok()) return nullptr;
  const std::string subject = "argument " + std::to_string(i) + " (" + name + ")";
  napi_typedarray_type type; napi_value ab; size_t off, len; void* data;
  if (i >= argc_ || napi_get_typedarray_info(env_, argv_[i], &type, &len, &data, &ab, &off) != napi_ok || type != napi_int32_array) {
    problem(subject + " must be an Int32Array");
    return nullptr;
  }
  if (len < n) { problem(subject + " has " + std::to_string(len) + " elements, needs " + std::to_string(n)); return nullptr; }
  return static_cast<int32_t*>(data);
}

void export_function(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &f);
  napi_set_named_property(env, exports, name, f);
}

}  // namespace frb

NAPI_MODULE_INIT() {
  frb::register_conv(env, exports);
  frb::register_xnor(env, exports);
  frb::register_fused(env, exports);
  return exports;
}
