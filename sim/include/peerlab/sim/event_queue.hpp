// EventQueue: the engine's pending events in a 4-ary min-heap of small inline events.
//
// Order is total and independent of insertion order (design §4): (time, kind rank, source,
// per-source sequence), packed into one 64-bit key after the time so that a comparison is two
// integer compares. Events carry their payload inline (three 32-bit words), so pushing an
// event allocates nothing once the heap's array has grown to the run's peak size.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/util/assert.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

// Kind ranks break ties between events at the same nanosecond. Lower runs first: a block
// found "at" t is mined before messages arriving at t are handled, messages before timers,
// timers before new transactions.
enum class EventKind : std::uint8_t {
  kBlockFound = 0,
  kDeliver = 1,
  kTimer = 2,
  kTxCreated = 3,
  kPeerDown = 4,  // the other end of a connection learns that it was closed
  kPeerUp = 5,    // a new connection is ready at one end (c: 1 inbound, 2 block-relay-only, 4 feeler)
  kConnectFailed = 6,  // an outbound connection attempt timed out (b: the address)
  kNetworkEvent = 7,   // a scenario event (partition, heal) takes effect (a: its index)
  // Churn, outages, link failures and eclipse attacks (a: node or attack, b: what happens).
  kLifecycle = 8,
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
  void Reserve(std::size_t n) { heap_.reserve(n); }
  bool empty() const { return heap_.empty(); }
  std::size_t size() const { return heap_.size(); }
  const Event& top() const { return heap_.front(); }
  // The event after top(), or null: the smallest child of the root.
  const Event* second() const {
    const std::size_t n = heap_.size();
    if (n < 2) return nullptr;
    std::size_t best = 1;
    for (std::size_t c = 2; c < 5 && c < n; ++c) {
      if (EventBefore(heap_[c], heap_[best])) best = c;
    }
    return &heap_[best];
  }

  void Push(const Event& e) {
    std::size_t i = heap_.size();
    heap_.push_back(e);
    while (i > 0) {
      const std::size_t parent = (i - 1) / 4;
      if (!EventBefore(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  Event Pop() {
    PEERLAB_ASSERT(!heap_.empty());
    const Event result = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n > 0) {
      std::size_t i = 0;
      while (true) {
        const std::size_t first = 4 * i + 1;
        if (first >= n) break;
        std::size_t best = first;
        const std::size_t end = first + 4 < n ? first + 4 : n;
        for (std::size_t c = first + 1; c < end; ++c) {
          if (EventBefore(heap_[c], heap_[best])) best = c;
        }
        if (!EventBefore(heap_[best], last)) break;
        heap_[i] = heap_[best];
        i = best;
      }
      heap_[i] = last;
    }
    return result;
  }

 private:
  std::vector<Event> heap_;
};

}  // namespace peerlab::sim
