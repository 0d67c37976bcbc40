// The ladder queue's slow paths: spreading events over rungs and refilling `bottom`
// (event_queue.hpp explains the structure).
#include "peerlab/sim/event_queue.hpp"

#include <bit>

namespace peerlab::sim {

namespace {

// A type, not a function: std::sort and the heap functions inline its calls (through a
// function pointer they called it per comparison).
struct Later {
  bool operator()(const Event& x, const Event& y) const { return EventBefore(y, x); }
};

// An emptied bucket that once held more than this returns its memory: bursts (a block relayed
// to every node at once) would otherwise leave every bucket they passed through holding it.
// 64 events (2 KiB; at most 2 * kMaxBuckets * kMaxRungs buckets) keeps the buckets of a steady
// transaction load allocated: with 16, five simulated minutes of bench/bitcoin_tx.yaml freed and
// regrew 1.1 million buckets (3 GB of allocations); with 64, 6,000.
constexpr std::size_t kKeptCapacity = 64;

// The last time before an (unsigned) bound, no later than kTimeNever.
TimeNs LastTimeBefore(std::uint64_t bound) {
  return static_cast<TimeNs>(std::min<std::uint64_t>(bound - 1, kTimeNever));
}

void Empty(std::vector<Event>& bucket) {
  if (bucket.capacity() > kKeptCapacity) {
    std::vector<Event>().swap(bucket);
  } else {
    bucket.clear();
  }
}

}  // namespace

void EventQueue::PlaceBelowTop(const Event& e) {
  for (std::size_t r = 0; r < rung_count_; ++r) {
    Rung& rung = rungs_[r];
    if (static_cast<std::uint64_t>(e.time) >= rung.BucketStart(rung.current)) {
      Put(rung, e);
      return;
    }
  }
  if (bottom_heap_) {
    bottom_.push_back(e);
    std::push_heap(bottom_.begin(), bottom_.end(), Later{});
    return;
  }
  // Earlier than everything outside `bottom`: a sorted insert into a short array.
  bottom_.insert(std::upper_bound(bottom_.begin(), bottom_.end(), e, Later{}), e);
  // Many events landing inside bottom's span (a coarse bucket, then a burst of near messages)
  // would make each insert a long move: spread bottom over a finer rung instead.
  if (bottom_.size() > kBottomMax && rung_count_ < kMaxRungs) {
    const std::uint64_t limit =
        rung_count_ > 0 ? rungs_[rung_count_ - 1].BucketStart(rungs_[rung_count_ - 1].current)
                        : top_start_;
    const TimeNs lo = bottom_.back().time;
    if (limit - static_cast<std::uint64_t>(lo) > 1) {
      Rung& rung = OpenRung(lo, LastTimeBefore(limit), bottom_.size());
      for (const Event& x : bottom_) Put(rung, x);
      bottom_.clear();
      Refill();
      return;
    }
  }
  if (bottom_.size() > kBottomMax) {
    // One instant (or no rung left): keep it as a heap until it empties.
    std::make_heap(bottom_.begin(), bottom_.end(), Later{});
    bottom_heap_ = true;
  }
}

Event EventQueue::PopHeap() {
  std::pop_heap(bottom_.begin(), bottom_.end(), Later{});
  const Event result = bottom_.back();
  bottom_.pop_back();
  --size_;
  if (bottom_.empty()) {
    bottom_heap_ = false;
    if (size_ > 0) Refill();
  }
  return result;
}

EventQueue::Rung& EventQueue::OpenRung(TimeNs lo, TimeNs hi, std::size_t n) {
  PEERLAB_ASSERT(rung_count_ < kMaxRungs && hi >= lo);
  Rung& rung = rungs_[rung_count_++];
  const auto buckets = static_cast<TimeNs>(std::clamp<std::size_t>(n, 1, kMaxBuckets));
  // The widest power of two at most (hi - lo) / buckets + 1: between `buckets` and twice as
  // many are used. (Rounding up instead halved the buckets: more events were spread a second
  // time and sorted in more, smaller batches.)
  const TimeNs exact_width = (hi - lo) / buckets + 1;
  rung.shift = static_cast<std::uint32_t>(std::bit_width(static_cast<std::uint64_t>(exact_width)) - 1);
  rung.start = lo;
  rung.current = 0;
  rung.used = static_cast<std::uint32_t>((hi - lo) >> rung.shift) + 1;
  if (rung.buckets.size() < rung.used) rung.buckets.resize(rung.used);
  return rung;
}

void EventQueue::Refill() {
  PEERLAB_ASSERT(bottom_.empty() && size_ > 0);
  while (true) {
    if (rung_count_ == 0) {
      PEERLAB_ASSERT(!top_.empty());
      Rung& rung = OpenRung(top_min_, top_max_, top_.size());
      for (const Event& e : top_) Put(rung, e);
      top_start_ = static_cast<std::uint64_t>(top_max_) + 1;
      top_.clear();
      top_min_ = kTimeNever;
      top_max_ = 0;
    }
    Rung& rung = rungs_[rung_count_ - 1];
    while (rung.current < rung.used && rung.buckets[rung.current].empty()) ++rung.current;
    if (rung.current == rung.used) {
      --rung_count_;  // exhausted: its range is behind us
      continue;
    }
    const std::uint32_t b = rung.current++;
    std::vector<Event>& bucket = rung.buckets[b];
    if (bucket.size() > kSortThreshold && rung.shift > 0 && rung_count_ < kMaxRungs) {
      // Too many to sort cheaply: spread them over a finer rung covering this whole bucket.
      const auto lo = static_cast<TimeNs>(rung.BucketStart(b));  // b < used: below hi
      Rung& finer = OpenRung(lo, LastTimeBefore(rung.BucketStart(b + 1)), bucket.size());
      for (const Event& e : bucket) Put(finer, e);
      Empty(bucket);
      continue;
    }
    // The bucket's buffer becomes `bottom` (no copy); the bucket keeps bottom's empty one.
    bottom_.swap(bucket);
    Empty(bucket);
    std::sort(bottom_.begin(), bottom_.end(), Later{});
    return;
  }
}

}  // namespace peerlab::sim
