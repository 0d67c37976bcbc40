// ShardClaims: which worker runs which shard in one phase of a window (engine_shards.cpp).
//
// Worker w owns the places w, w + workers, w + 2 * workers, ... and runs them first, in that
// order, so its shards' nodes stay in its core's caches from window to window. A worker that has
// run its own takes the places other workers have not started yet, each other worker's last
// place first: a worker whose core is taken by another process for a while (or whose share of
// this window happens to be heavier) no longer holds every other worker at the barrier. Each
// place is run exactly once per phase, by whoever claims it first.
//
// Results do not depend on who runs a shard: a shard's events touch only its own nodes and its
// own context (tests/shipped_digests_test.cpp runs shards in every order).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace peerlab::sim {

class ShardClaims {
 public:
  // `places` >= 1 (the shards, in the order the caller maps places to shards), `workers` >= 1.
  ShardClaims(std::uint32_t places, std::uint32_t workers)
      : places_(places), workers_(workers), taken_(new std::atomic<bool>[places]) {
    Reset();
  }

  // Frees every place for the next phase. Only while no worker claims: before the barrier that
  // starts the phase, which also makes the reset visible to the workers.
  void Reset() {
    for (std::uint32_t i = 0; i < places_; ++i) taken_[i].store(false, std::memory_order_relaxed);
  }

  // Runs run(place) for every place `worker` claims: its own places in order, then other
  // workers' unstarted places (from the next worker on, each one's last first). Returns how many
  // of them were other workers' places.
  template <class Run>
  std::uint32_t ForEach(std::uint32_t worker, Run&& run) {
    for (std::uint32_t i = worker; i < places_; i += workers_) {
      if (Claim(i)) run(i);
    }
    std::uint32_t taken_over = 0;
    for (std::uint32_t v = 1; v < workers_; ++v) {
      const std::uint32_t other = (worker + v) % workers_;
      if (other >= places_) continue;
      // Its places, last first: it works from its first, so the last is the least likely to be
      // started (and taking it disturbs its caches least).
      for (std::uint32_t i = other + (places_ - 1 - other) / workers_ * workers_;; i -= workers_) {
        if (Claim(i)) {
          run(i);
          ++taken_over;
        }
        if (i < other + workers_) break;
      }
    }
    return taken_over;
  }

 private:
  bool Claim(std::uint32_t place) {
    // Cheap test first: most places a worker looks at in another's list are taken already.
    return !taken_[place].load(std::memory_order_relaxed) &&
           !taken_[place].exchange(true, std::memory_order_acq_rel);
  }

  const std::uint32_t places_;
  const std::uint32_t workers_;
  std::unique_ptr<std::atomic<bool>[]> taken_;
};

}  // namespace peerlab::sim
