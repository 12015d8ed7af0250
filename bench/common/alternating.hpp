#pragma once
// The measuring harness of every "ours vs baseline" pair: both run in small alternating batches
// inside one benchmark (the order flips every round), so a busy or throttled machine slows both
// alike and the ratio, measured in the same run, stays meaningful where absolute times do not.

#include <benchmark/benchmark.h>
#include <time.h>

#include <chrono>

namespace loginid::bench {

/// Per-thread CPU time: time spent descheduled on a busy machine is not counted.
inline double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

/// Wall time: for work that waits on another process (a server), whose time must count.
inline double wall_ns() {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

/// Time of `count` runs of `work`, read from `clock`.
template <class Work>
double timed_batch(double (*clock)(), Work& work, int count) {
  const double start = clock();
  for (int i = 0; i < count; ++i) work();
  return clock() - start;
}

/// Ours and raw in alternating batches of `batch` runs, measured in thread CPU time. Counters:
/// ours_per_s, raw_per_s and ratio = ours/raw in operations per second (>= 1: ours is faster).
template <class Ours, class Raw>
void paired(benchmark::State& state, int batch, Ours ours, Raw raw) {
  double ours_ns = 0;
  double raw_ns = 0;
  double items = 0;
  bool ours_first = true;
  for (auto _ : state) {
    if (ours_first) {
      ours_ns += timed_batch(thread_cpu_ns, ours, batch);
      raw_ns += timed_batch(thread_cpu_ns, raw, batch);
    } else {
      raw_ns += timed_batch(thread_cpu_ns, raw, batch);
      ours_ns += timed_batch(thread_cpu_ns, ours, batch);
    }
    ours_first = !ours_first;
    items += batch;
  }
  state.counters["ours_per_s"] = items / (ours_ns * 1e-9);
  state.counters["raw_per_s"] = items / (raw_ns * 1e-9);
  state.counters["ratio"] = raw_ns / ours_ns;
}

}  // namespace loginid::bench
