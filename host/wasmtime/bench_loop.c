/*
 * The timing loop of the Wasmtime adapter (host/wasmtime/adapter.py): `n`
 * calls of one component function back to back, in C, so that a benchmark
 * figure is Wasmtime's cost per call and not Python's. The adapter compiles
 * this file with the system C compiler on first use (into its virtual
 * environment) and falls back to a Python loop when it cannot.
 *
 * libwasmtime's functions come in as pointers (taken from the library the
 * adapter has loaded), so nothing is linked here. Every call does what the
 * adapter's own call does: start it with wasmtime_component_func_call_async,
 * poll its future until it completes, delete the future, and free the results.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef void *(*call_async_fn)(const void *func, void *context, const void *args, size_t nargs,
                               void *results, size_t nresults, void **error_ret);
typedef bool (*future_poll_fn)(void *future);
typedef void (*future_delete_fn)(void *future);
typedef void (*val_delete_fn)(void *val);

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/*
 * Returns the nanoseconds the `n` calls took, or -1 when a call failed (its
 * wasmtime_error_t is then in *error_out, for the caller to read and delete).
 * `val_size` is sizeof(wasmtime_component_val_t), to walk the results.
 */
int64_t wasip3_bench_loop(call_async_fn call_async, future_poll_fn poll, future_delete_fn delete_future,
                          val_delete_fn val_delete, const void *func, void *context, const void *args,
                          size_t nargs, void *results, size_t nresults, size_t val_size, int64_t n,
                          void **error_out) {
  int64_t t0 = now_ns();
  for (int64_t i = 0; i < n; i++) {
    void *err = NULL;
    void *future = call_async(func, context, args, nargs, results, nresults, &err);
    while (!poll(future)) {
    }
    delete_future(future);
    if (err) {
      *error_out = err;
      return -1;
    }
    for (size_t r = 0; r < nresults; r++) val_delete((char *)results + r * val_size);
  }
  return now_ns() - t0;
}
