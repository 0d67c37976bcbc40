// ShardThreads: the parallel engine's worker threads (engine_shards.cpp). The caller is worker
// 0; Run hands one job to every worker and returns when all have finished it; inside a job,
// Sync waits until every worker reached it. Waiting spins (kSpins pauses, about 2 ms) when
// every worker has a core, then yields, then sleeps (more workers than cores: a spinning worker
// would hold the core another one needs).
//
// Only std atomics, which ThreadSanitizer models: no hand-written fences.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace peerlab::sim {

class SpinBarrier {
 public:
  // `spin`: wait actively first (when every party has a core of its own).
  SpinBarrier(std::uint32_t parties, bool spin) : parties_(parties), spin_(spin) {}
  // Returns once `parties` callers have arrived; what each did before is visible to all after.
  void Wait();

 private:
  // Spins (with the CPU's pause hint) this many times before yielding, and yields this many
  // times before sleeping. A window's work takes tens of microseconds to milliseconds, and one
  // worker often waits a millisecond for another; a sleeping worker takes tens to hundreds of
  // microseconds to wake on a virtual machine, and every window has three barriers. Spinning
  // for 2,000 pauses (56 us on the 2-core machine) slept so often that the waits for a worker
  // to wake took up to 2.5 s of a 22 s run (docs/performance.md, "Barriers that spin").
  // 70,000 pauses are about 2 ms here (28 ns each; 10 to 40 ns on other x86 cores). A count,
  // not a clock: the engine reads no clock (tests/layering_test.cpp).
  static constexpr int kSpins = 70000;
  static constexpr int kYields = 50;
  const std::uint32_t parties_;
  const bool spin_;
  std::atomic<std::uint32_t> arrived_{0};
  std::atomic<std::uint32_t> generation_{0};
};

class ShardThreads {
 public:
  // `workers` >= 1, the caller included.
  explicit ShardThreads(std::uint32_t workers);
  ~ShardThreads();
  ShardThreads(const ShardThreads&) = delete;
  ShardThreads& operator=(const ShardThreads&) = delete;

  std::uint32_t workers() const { return static_cast<std::uint32_t>(threads_.size()) + 1; }
  // Runs job(worker) on every worker (the caller is worker 0). A job must not throw.
  void Run(const std::function<void(std::uint32_t worker)>& job);
  // From a job: waits for every worker's job to reach its Sync.
  void Sync() { barrier_.Wait(); }

 private:
  void Work(std::uint32_t worker);

  SpinBarrier barrier_;
  std::vector<std::thread> threads_;
  const std::function<void(std::uint32_t)>* job_ = nullptr;  // set between barriers
  bool stopping_ = false;
};

}  // namespace peerlab::sim
