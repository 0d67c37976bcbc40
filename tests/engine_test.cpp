// Event order and ties (design §4), RNG streams and distributions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "peerlab/sim/event_queue.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::sim {
namespace {

Event Make(TimeNs t, EventKind kind, std::uint32_t source, std::uint32_t seq, std::uint32_t tag) {
  return Event{t, Event::MakeKey(kind, source, seq), tag, 0, 0};
}

// An EventQueue beside a plain list of the same events: every pop must be the list's earliest.
struct CheckedQueue {
  EventQueue q;
  std::vector<Event> reference;
  void Push(const Event& e) {
    q.Push(e);
    reference.push_back(e);
  }
  // The popped event's time (a failed check ends the test).
  TimeNs PopAndCheck() {
    auto it = std::min_element(reference.begin(), reference.end(), EventBefore);
    EXPECT_FALSE(q.empty());
    if (q.empty()) return 0;
    EXPECT_EQ(q.top().key, it->key);
    const Event got = q.Pop();
    EXPECT_EQ(got.time, it->time);
    EXPECT_EQ(got.key, it->key);
    reference.erase(it);
    return got.time;
  }
};

TEST(EventQueue, OrdersByTimeThenKindThenSourceThenSequence) {
  EventQueue q;
  // Inserted in scrambled order; tags give the expected position.
  q.Push(Make(10, EventKind::kTimer, 0, 0, 6));
  q.Push(Make(5, EventKind::kDeliver, 3, 7, 3));
  q.Push(Make(5, EventKind::kDeliver, 3, 2, 2));
  q.Push(Make(5, EventKind::kOracle, 9, 0, 1));
  q.Push(Make(5, EventKind::kDeliver, 4, 0, 4));
  q.Push(Make(5, EventKind::kTimer, 0, 0, 5));
  q.Push(Make(1, EventKind::kTimer, 100, 0, 0));
  std::vector<std::uint32_t> order;
  while (!q.empty()) order.push_back(q.Pop().a);
  EXPECT_EQ(order, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(EventQueue, MatchesSortedOrderOnRandomChurn) {
  EventQueue q;
  std::vector<Event> reference;
  Rng rng(42);
  std::uint32_t seq = 0;
  for (int round = 0; round < 20000; ++round) {
    if (reference.empty() || rng.Below(3) != 0) {
      // Coarse times force many ties so the key decides.
      const Event e = Make(static_cast<TimeNs>(rng.Below(50)), static_cast<EventKind>(rng.Below(3)),
                           static_cast<std::uint32_t>(rng.Below(5)), seq++, 0);
      q.Push(e);
      reference.push_back(e);
    } else {
      auto it = std::min_element(reference.begin(), reference.end(), EventBefore);
      const Event got = q.Pop();
      ASSERT_EQ(got.time, it->time);
      ASSERT_EQ(got.key, it->key);
      reference.erase(it);
    }
  }
  EXPECT_EQ(q.size(), reference.size());
}

// The ladder's regions (bottom, rungs, top) and their boundaries: a hold model with spread-out
// times, bursts at one instant (buckets that cannot be split), pushes earlier than anything
// pending, and draining to empty and refilling, all against a reference ordering.
TEST(EventQueue, MatchesSortedOrderAcrossRungsBurstsAndDrains) {
  CheckedQueue checked;
  EventQueue& q = checked.q;
  std::vector<Event>& reference = checked.reference;
  Rng rng(7);
  std::uint32_t seq = 0;
  TimeNs now = 0;
  auto push = [&](TimeNs t) {
    checked.Push(Make(t, static_cast<EventKind>(rng.Below(4)),
                      static_cast<std::uint32_t>(rng.Below(100)), seq++, 0));
  };
  auto pop = [&] { now = checked.PopAndCheck(); };
  // A few events an hour apart make coarse buckets; then a burst lands inside the span being
  // consumed (the case where bottom must be spread over a finer rung).
  for (int i = 0; i < 10; ++i) push(static_cast<TimeNs>(i) * 360'000'000'000);
  pop();
  for (int i = 0; i < 2000; ++i) push(now + static_cast<TimeNs>(rng.Below(1'000'000'000)));
  while (!reference.empty()) pop();
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 3000; ++i) push(now + static_cast<TimeNs>(rng.Exponential(1e9)));
    for (int i = 0; i < 400; ++i) push(now + 5'000'000'000);  // one instant, many events
    for (int i = 0; i < 20000 && !reference.empty(); ++i) {
      switch (rng.Below(4)) {
        case 0: push(now + static_cast<TimeNs>(rng.Exponential(1e6))); break;  // near
        case 1: push(now + static_cast<TimeNs>(rng.Exponential(1e11))); break;  // far
        default: pop();
      }
    }
    while (!reference.empty()) pop();  // drain completely, then start again later
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.size(), 0u);
    now += 1'000'000;
  }
}

// Bucket widths are powers of two (a shift per placement): a rung spanning most of time, up to
// kTimeNever itself, must neither overflow its bucket bounds nor lose the order. Events from
// 0 to kTimeNever, in every rung, with pushes between pops.
TEST(EventQueue, MatchesSortedOrderUpToTheEndOfTime) {
  CheckedQueue checked;
  std::vector<Event>& reference = checked.reference;
  Rng rng(13);
  std::uint32_t seq = 0;
  TimeNs now = 0;
  auto push = [&](TimeNs t) { checked.Push(Make(t, EventKind::kTimer, 1, seq++, 0)); };
  const TimeNs far[] = {kTimeNever, kTimeNever - 1, kTimeNever / 2 + 1, TimeNs{1} << 62,
                        (TimeNs{1} << 62) + 12345, kTimeNever - 1'000'000'000};
  for (int round = 0; round < 4; ++round) {
    for (TimeNs t : far) push(t);
    for (int i = 0; i < 3000 && now < kTimeNever; ++i) {
      push(now + static_cast<TimeNs>(rng.Below(static_cast<std::uint64_t>(kTimeNever - now))));
    }
    for (int i = 0; i < 2000; ++i) {
      if (rng.Below(3) == 0 && now < kTimeNever) {
        const std::uint64_t room = static_cast<std::uint64_t>(kTimeNever - now);
        push(now + static_cast<TimeNs>(rng.Below(std::min<std::uint64_t>(room, 1'000'000'000))));
      } else {
        now = checked.PopAndCheck();
      }
    }
  }
  while (!reference.empty()) now = checked.PopAndCheck();
  EXPECT_EQ(now, kTimeNever);
  EXPECT_TRUE(checked.q.empty());
}

// A family arming a timer at every node for one instant right after the queue has handed that
// instant down (Tendermint's set-up: flush timers at `flush_throttle`): thousands of pushes into
// `bottom` that no finer rung can spread, which `bottom` then holds as a heap (event_queue.hpp).
// Mixed with pops and with earlier and later pushes, the order is still the total order.
TEST(EventQueue, ABurstAtTheInstantBeingConsumedKeepsTheTotalOrder) {
  CheckedQueue checked;
  EventQueue& q = checked.q;
  std::vector<Event>& reference = checked.reference;
  Rng rng(11);
  std::uint32_t seq = 0;
  auto push = [&](TimeNs t, std::uint32_t source) {
    checked.Push(Make(t, static_cast<EventKind>(rng.Below(4)), source, seq++, 0));
  };
  auto pop = [&] { checked.PopAndCheck(); };
  for (int round = 0; round < 3; ++round) {
    const TimeNs instant = 100'000'000 * (round + 1);
    push(instant, 0);  // handed down at once: the instant is now `bottom`'s
    for (std::uint32_t node = 1; node < 3000; ++node) {
      push(instant, node);
      if (node % 500 == 0) pop();
      if (node % 97 == 0) push(instant + static_cast<TimeNs>(rng.Below(1'000'000)), node);
    }
    while (!reference.empty()) pop();
    EXPECT_TRUE(q.empty());
  }
}

TEST(EventKey, PacksKindSourceAndSequence) {
  const Event e = Make(0, EventKind::kTimer, 12345, 77, 0);
  EXPECT_EQ(e.kind(), EventKind::kTimer);
  EXPECT_EQ(e.source(), 12345u);
  EXPECT_EQ(e.key & 0xffffffffu, 77u);
}

TEST(Rng, StreamsDifferByOwnerAndPurposeAndRepeat) {
  Rng a(7, 1, RngPurpose{5}), b(7, 2, RngPurpose{5}), c(7, 1, RngPurpose{3});
  Rng a2(7, 1, RngPurpose{5});
  const auto x = a.Next();
  EXPECT_NE(x, b.Next());
  EXPECT_NE(x, c.Next());
  EXPECT_EQ(x, a2.Next());
}

TEST(Rng, BelowIsInRangeAndRoughlyUniform) {
  Rng rng(1);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const auto v = rng.Below(7);
    ASSERT_LT(v, 7u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 400);  // ~4 sigma
}

TEST(Rng, ExponentialAndParetoHaveTheRequestedMean) {
  Rng rng(3);
  double exp_sum = 0, pareto_sum = 0;
  double pareto_min = 1e9;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    exp_sum += rng.Exponential(600.0);
    const double p = rng.ParetoWithMean(100.0, 5.0);
    pareto_sum += p;
    pareto_min = std::min(pareto_min, p);
  }
  EXPECT_NEAR(exp_sum / n, 600.0, 600.0 * 0.01);   // sd of mean = 600/sqrt(n) = 1.3
  EXPECT_NEAR(pareto_sum / n, 100.0, 100.0 * 0.01);
  EXPECT_GE(pareto_min, 80.0);  // scale = mean * (shape - 1) / shape
}

}  // namespace
}  // namespace peerlab::sim
