#include "shard_threads.hpp"

#include <algorithm>

namespace peerlab::sim {
namespace {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

void SpinBarrier::Wait() {
  const std::uint32_t generation = generation_.load(std::memory_order_acquire);
  if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == parties_) {
    arrived_.store(0, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    return;
  }
  const auto released = [&] { return generation_.load(std::memory_order_acquire) != generation; };
  if (spin_) {
    for (int round = 0; round < kSpins; ++round) {
      if (released()) return;
      CpuRelax();
    }
  }
  for (int round = 0; !released(); ++round) {
    if (round < kYields) {
      std::this_thread::yield();
    } else {
      generation_.wait(generation, std::memory_order_acquire);
    }
  }
}

ShardThreads::ShardThreads(std::uint32_t workers)
    : barrier_(workers, workers <= std::max(1u, std::thread::hardware_concurrency())) {
  for (std::uint32_t w = 1; w < workers; ++w) threads_.emplace_back([this, w] { Work(w); });
}

ShardThreads::~ShardThreads() {
  stopping_ = true;
  barrier_.Wait();  // releases the workers, which see stopping_
  for (std::thread& t : threads_) t.join();
}

void ShardThreads::Run(const std::function<void(std::uint32_t)>& job) {
  job_ = &job;
  barrier_.Wait();  // start
  job(0);
  barrier_.Wait();  // every worker done
  job_ = nullptr;
}

void ShardThreads::Work(std::uint32_t worker) {
  for (;;) {
    barrier_.Wait();
    if (stopping_) return;
    (*job_)(worker);
    barrier_.Wait();
  }
}

}  // namespace peerlab::sim
