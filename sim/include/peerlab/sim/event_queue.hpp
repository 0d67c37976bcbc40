// EventQueue: the engine's pending events, a ladder queue (Tang, Goh & Thng, "Ladder Queue: An
// O(1) priority queue structure for large-scale discrete event simulation", ACM TOMACS 2005)
// of small inline events.
//
// Order is total and independent of insertion order (design §4): (time, kind rank, source,
// per-source sequence), packed into one 64-bit key after the time so that a comparison is two
// integer compares. Events carry their payload inline (three 32-bit words).
//
// Why a ladder and not a heap: with 10^5-10^6 pending events a heap's every push and pop walks
// ~10 levels of a 30 MB array, a cache miss per level. Here far events are appended, unsorted,
// to `top`; when the near events run out, `top` is spread over a rung of time buckets, a bucket
// too full to sort cheaply is spread over a finer rung, and only a small bucket is sorted into
// `bottom`, from which events are popped. Pushes append to one bucket and pops read a sorted
// array, so both touch few cache lines, and each event is moved a small constant number of
// times. Bucket vectors keep a modest capacity across reuse (a bucket that grew large gives
// its memory back when emptied), so a warmed-up run rarely allocates and memory stays near the
// peak number of pending events.
//
// Invariant: every event in `bottom` is earlier than every event in the rungs, which are
// earlier than every event in `top`. Boundaries are times, so events at the same time always
// share a region and `bottom`, fully sorted, decides their order by key.
//
// One case the ladder cannot spread: a burst of pushes at one instant into `bottom` (a family
// arming a timer at every node at once). Sorted inserts would then cost O(n) each; past
// kBottomMax such events `bottom` becomes a binary heap (earliest at the front) until it
// empties. Keys are unique, so the pop order is the same either way.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "peerlab/util/assert.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

// Kind ranks break ties between events at the same nanosecond. Lower runs first. The engine
// handles the network's kinds itself and hands the others to the protocol family
// (protocol.hpp): an oracle event at t (Bitcoin: the mining oracle finds a block) comes before
// messages arriving at t, messages before timers, timers before workload arrivals (Bitcoin:
// a wallet creates a transaction).
enum class EventKind : std::uint8_t {
  kOracle = 0,   // the family's global process (source: Engine::oracle_source())
  kDeliver = 1,  // a message arrives (a: node, b: its slot, c: the message handle)
  kTimer = 2,    // a node's timer (a: node, b and c: the family's payload)
  kWorkload = 3,  // the family's workload process (source: Engine::workload_source())
  kPeerDown = 4,  // the other end of a connection learns that it was closed
  kPeerUp = 5,    // a new connection is ready at one end (c: PeerUpBits)
  kConnectFailed = 6,  // an outbound connection attempt timed out (b: the address)
  kNetworkEvent = 7,   // a scenario event (partition, heal) takes effect (a: its index)
  // Churn, outages, link failures and the family's own lifecycle codes (a: node or index,
  // b: what happens; Engine::Lifecycle).
  kLifecycle = 8,
  // network.link_model: shared or flow: node a's uplink reaches its next change (b: the
  // uplink's generation when scheduled; stale ones are ignored).
  kUplink = 9,
};

struct Event {
  TimeNs time;
  std::uint64_t key;  // rank:4 | source:28 | sequence:32
  std::uint32_t a, b, c;
  std::uint32_t generation = 0;  // connection events: the slot's generation (see Simulation)

  EventKind kind() const { return static_cast<EventKind>(key >> 60); }
  std::uint32_t source() const { return static_cast<std::uint32_t>(key >> 32) & kSourceMask; }

  static constexpr std::uint32_t kSourceMask = (1u << 28) - 1;
  static std::uint64_t MakeKey(EventKind kind, std::uint32_t source, std::uint32_t sequence) {
    PEERLAB_ASSERT(source <= kSourceMask);
    return (static_cast<std::uint64_t>(kind) << 60) | (static_cast<std::uint64_t>(source) << 32) |
           sequence;
  }
};
static_assert(sizeof(Event) == 32);

inline bool EventBefore(const Event& x, const Event& y) {
  return x.time < y.time || (x.time == y.time && x.key < y.key);
}

class EventQueue {
 public:
  void Reserve(std::size_t n) { top_.reserve(n); }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // The earliest event. Precondition: !empty().
  const Event& top() const {
    PEERLAB_ASSERT(!bottom_.empty());
    return bottom_heap_ ? bottom_.front() : bottom_.back();
  }
  // The event after top() when it is already sorted, else null (a prefetch hint only).
  const Event* second() const {
    return bottom_.size() >= 2 && !bottom_heap_ ? &bottom_[bottom_.size() - 2] : nullptr;
  }

  void Push(const Event& e) {
    PEERLAB_ASSERT(e.time >= 0);
    ++size_;
    if (static_cast<std::uint64_t>(e.time) >= top_start_) {
      top_.push_back(e);
      top_min_ = std::min(top_min_, e.time);
      top_max_ = std::max(top_max_, e.time);
    } else {
      PlaceBelowTop(e);
    }
    if (bottom_.empty()) Refill();  // the queue was empty: keep top() valid
  }

  Event Pop() {
    PEERLAB_ASSERT(!bottom_.empty());
    if (bottom_heap_) [[unlikely]] return PopHeap();
    const Event result = bottom_.back();
    bottom_.pop_back();
    --size_;
    if (bottom_.empty() && size_ > 0) Refill();
    return result;
  }

 private:
  // A bucket at most this large is sorted into `bottom` instead of being spread further.
  static constexpr std::uint32_t kSortThreshold = 48;
  static constexpr std::size_t kMaxRungs = 8;
  // Above this, pushes into `bottom` spread it over a new rung.
  static constexpr std::size_t kBottomMax = 256;
  // Few enough that the buckets' tails (where pushes append) stay in L2: with 2^15 buckets a
  // push into a rung was a cache miss; 2^10 cut the whole run's last-level misses by 7 % and
  // sped up the hold benchmark, at the price of a little more sorting. (A rung uses up to twice
  // this, its bucket width being rounded down to a power of two.)
  static constexpr std::uint32_t kMaxBuckets = 1u << 10;

  // Bucket widths are powers of two, so placing an event is a shift, not a 64-bit divide (one
  // per event and rung it passes through). Which bucket holds an event never decides the
  // order, only how much sorting is left for `bottom`.
  struct Rung {
    TimeNs start = 0;
    std::uint32_t shift = 0;    // bucket width: 2^shift ns
    std::uint32_t current = 0;  // first bucket not yet handed down
    std::uint32_t used = 0;     // buckets in use: [start, start + used * width)
    std::vector<std::vector<Event>> buckets;  // only the first `used` are in use

    // The time bucket i (<= used) starts at, unsigned: the end of a rung near the end of time
    // may lie past kTimeNever (never past 2^64: start + (hi - lo) + width).
    std::uint64_t BucketStart(std::uint32_t i) const {
      return static_cast<std::uint64_t>(start) + (static_cast<std::uint64_t>(i) << shift);
    }
    std::uint32_t BucketOf(TimeNs t) const { return static_cast<std::uint32_t>((t - start) >> shift); }
  };

  void PlaceBelowTop(const Event& e);
  Event PopHeap();
  static void Put(Rung& rung, const Event& e) {
    const std::uint32_t b = rung.BucketOf(e.time);
    PEERLAB_ASSERT(b < rung.used);
    rung.buckets[b].push_back(e);
  }
  // Opens a new finest rung covering [lo, hi] with about `n` buckets.
  Rung& OpenRung(TimeNs lo, TimeNs hi, std::size_t n);
  // Moves the next earliest events into `bottom`. Precondition: bottom_ empty, size_ > 0.
  void Refill();

  std::vector<Event> bottom_;  // sorted latest first, or a heap (bottom_heap_)
  bool bottom_heap_ = false;
  std::array<Rung, kMaxRungs> rungs_;  // coarsest first; only the first rung_count_ are live
  std::size_t rung_count_ = 0;
  std::vector<Event> top_;     // unsorted; times >= top_start_
  std::uint64_t top_start_ = 0;  // unsigned: 2^63 once an event at kTimeNever left top
  TimeNs top_min_ = kTimeNever;
  TimeNs top_max_ = 0;
  std::size_t size_ = 0;
};

}  // namespace peerlab::sim
