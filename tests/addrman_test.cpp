// AddrMan: placement limits, replacement rules, tried promotion, selection odds, sampling,
// terribleness, determinism and memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "peerlab/bitcoin/addrman.hpp"

namespace peerlab::bitcoin {
namespace {

constexpr std::uint32_t kNow = 1'700'000'000;
constexpr std::uint32_t kDay = 24 * 3600;
constexpr std::uint64_t kKey = 0x5eed;

NetAddress Addr(std::uint32_t group, std::uint32_t host) { return (group << 16) | host; }

// Every address collides with every other in each table.
constexpr AddrManConfig kOneSlot{1, 1, 1};

TEST(AddrMan, AddContainsAndDedupe) {
  AddrMan am(AddrManConfig{}, kKey);
  const NetAddress a = Addr(10, 1);
  EXPECT_FALSE(am.Add(kNoAddress, kNow, a, kNow));
  EXPECT_TRUE(am.Add(a, kNow - 3 * 3600, Addr(20, 1), kNow));
  EXPECT_FALSE(am.Add(a, kNow - 3 * 3600, Addr(30, 1), kNow));
  EXPECT_TRUE(am.Contains(a));
  EXPECT_FALSE(am.Contains(Addr(10, 2)));
  EXPECT_EQ(am.size(), 1u);
  EXPECT_EQ(am.new_count(), 1u);
  EXPECT_EQ(am.tried_count(), 0u);
  EXPECT_FALSE(am.IsTried(a));
  ASSERT_NE(am.Find(a), nullptr);
  EXPECT_EQ(am.Find(a)->source_group, 20u);
  // A recent address is refreshed only when the news is more than an hour newer.
  am.Add(a, kNow - 3 * 3600 + 1800, Addr(20, 1), kNow);
  EXPECT_EQ(am.Find(a)->time, kNow - 3 * 3600);
  am.Add(a, kNow - 60, Addr(20, 1), kNow);
  EXPECT_EQ(am.Find(a)->time, kNow - 60);
  am.Add(a, kNow - 10 * kDay, Addr(20, 1), kNow);  // older: ignored
  EXPECT_EQ(am.Find(a)->time, kNow - 60);
}

TEST(AddrMan, OneSourceGroupReachesFewNewBuckets) {
  const AddrManConfig config;
  const std::size_t bound =
      std::max<std::uint32_t>(1, config.new_buckets / 16) * config.bucket_size;
  AddrMan flooded(config, kKey);
  AddrMan diverse(config, kKey);
  std::vector<NetAddress> known;
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    const NetAddress address = Addr(1000 + i, i % 7 + 1);
    flooded.Add(address, kNow, Addr(50, i % 300 + 1), kNow);  // one source group, many hosts
    if (diverse.Add(address, kNow, Addr(20'000 + i, 1), kNow)) known.push_back(address);
  }
  EXPECT_LE(flooded.size(), bound);
  EXPECT_GT(diverse.size(), 4 * bound);

  // Nor can the flooder wash out addresses that arrived earlier from other sources.
  const std::size_t before = diverse.size();
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    diverse.Add(Addr(40'000 + i, 1), kNow, Addr(50, 1), kNow);
  }
  EXPECT_LE(diverse.size(), before + bound);
  for (const NetAddress address : known) {
    if (!diverse.Contains(address)) ADD_FAILURE() << "lost " << address;
  }
}

TEST(AddrMan, FullSlotKeepsHealthyOccupantAndReplacesTerribleOne) {
  AddrMan am(kOneSlot, kKey);
  const NetAddress a = Addr(10, 1), b = Addr(11, 1);
  ASSERT_TRUE(am.Add(a, kNow, a, kNow));
  EXPECT_FALSE(am.Add(b, kNow, b, kNow));
  EXPECT_TRUE(am.Contains(a));
  EXPECT_FALSE(am.Contains(b));
  for (int i = 0; i < 3; ++i) am.Attempt(a, kNow);  // three failures, never connected
  EXPECT_FALSE(am.Add(b, kNow, b, kNow + 30));       // just tried: not yet judged
  EXPECT_TRUE(am.Add(b, kNow, b, kNow + 120));
  EXPECT_FALSE(am.Contains(a));
  EXPECT_TRUE(am.Contains(b));
  EXPECT_EQ(am.size(), 1u);
}

TEST(AddrMan, GoodMovesToTriedAndResetsAttempts) {
  AddrMan am(AddrManConfig{}, kKey);
  const NetAddress a = Addr(10, 1), b = Addr(11, 1);
  ASSERT_TRUE(am.Add(a, kNow, a, kNow));
  am.Attempt(a, kNow);
  am.Attempt(a, kNow);
  EXPECT_EQ(am.Find(a)->attempts, 2u);
  am.Good(a, kNow + 5);
  EXPECT_TRUE(am.IsTried(a));
  EXPECT_EQ(am.Find(a)->attempts, 0u);
  EXPECT_EQ(am.Find(a)->last_success, kNow + 5);
  EXPECT_EQ(am.new_count(), 0u);
  EXPECT_EQ(am.tried_count(), 1u);
  am.Good(a, kNow + 10);  // already tried: only the bookkeeping changes
  EXPECT_EQ(am.tried_count(), 1u);
  EXPECT_EQ(am.Find(a)->last_success, kNow + 10);
  am.Good(b, kNow);  // unknown: learned and promoted at once
  EXPECT_TRUE(am.IsTried(b));
  EXPECT_EQ(am.size(), 2u);
  EXPECT_EQ(am.tried_count(), 2u);
}

TEST(AddrMan, TriedCollisionMovesOldOccupantBackToNew) {
  AddrManConfig config = kOneSlot;
  config.test_before_evict = false;  // Core before 0.17
  AddrMan am(config, kKey);
  const NetAddress a = Addr(10, 1), b = Addr(11, 1), c = Addr(12, 1);
  ASSERT_TRUE(am.Add(a, kNow, a, kNow));
  am.Good(a, kNow);
  ASSERT_TRUE(am.Add(b, kNow, b, kNow));
  am.Good(b, kNow);  // b leaves the new slot, so a can take it
  EXPECT_TRUE(am.IsTried(b));
  EXPECT_TRUE(am.Contains(a));
  EXPECT_FALSE(am.IsTried(a));
  EXPECT_EQ(am.new_count(), 1u);
  EXPECT_EQ(am.tried_count(), 1u);
  // Now the new slot holds a healthy a: the next displaced tried entry (b) has nowhere to go.
  am.Good(c, kNow);
  EXPECT_TRUE(am.IsTried(c));
  EXPECT_FALSE(am.Contains(b));
  EXPECT_TRUE(am.Contains(a));
  EXPECT_EQ(am.size(), 2u);
}

TEST(AddrMan, TestBeforeEvictKeepsAnOccupantThatAnsweredRecently) {
  AddrMan am(kOneSlot, kKey);
  Rng rng(3);
  const NetAddress a = Addr(10, 1), b = Addr(11, 1);
  ASSERT_TRUE(am.Add(a, kNow, a, kNow));
  am.Good(a, kNow);
  ASSERT_TRUE(am.Add(b, kNow, b, kNow));  // a left the new slot
  EXPECT_EQ(am.SelectTriedCollision(rng), kNoAddress);
  am.Good(b, kNow + 10);
  // b waits in new; the feeler is to test the occupant, a.
  EXPECT_TRUE(am.IsTried(a));
  EXPECT_FALSE(am.IsTried(b));
  EXPECT_EQ(am.Find(b)->last_success, kNow + 10);
  EXPECT_EQ(am.collision_count(), 1u);
  EXPECT_EQ(am.SelectTriedCollision(rng), a);
  am.Good(b, kNow + 20);  // again: still one collision
  EXPECT_EQ(am.collision_count(), 1u);
  // a answered less than 4 hours ago: it keeps its slot and the collision is settled.
  am.ResolveCollisions(kNow + 3600);
  EXPECT_EQ(am.collision_count(), 0u);
  EXPECT_TRUE(am.IsTried(a));
  EXPECT_TRUE(am.Contains(b));
  EXPECT_FALSE(am.IsTried(b));
  EXPECT_EQ(am.SelectTriedCollision(rng), kNoAddress);
}

TEST(AddrMan, TestBeforeEvictReplacesAnOccupantThatFailedItsTest) {
  AddrMan am(kOneSlot, kKey);
  const NetAddress a = Addr(10, 1), b = Addr(11, 1);
  ASSERT_TRUE(am.Add(a, kNow, a, kNow));
  am.Good(a, kNow);
  ASSERT_TRUE(am.Add(b, kNow, b, kNow));
  const std::uint32_t later = kNow + 5 * 3600;  // a's success is too old to protect it
  am.Good(b, later);
  am.ResolveCollisions(later);
  EXPECT_EQ(am.collision_count(), 1u) << "nobody tested a yet, and b has not waited 40 min";
  am.Attempt(a, later + 10);  // the feeler to a fails
  am.ResolveCollisions(later + 40);
  EXPECT_EQ(am.collision_count(), 1u) << "a failed only 30 s ago: Core waits 60 s";
  EXPECT_TRUE(am.IsTried(a));
  am.ResolveCollisions(later + 100);
  EXPECT_EQ(am.collision_count(), 0u);
  EXPECT_TRUE(am.IsTried(b));
  EXPECT_FALSE(am.IsTried(a));
  EXPECT_TRUE(am.Contains(a));  // back in the new slot b left
}

TEST(AddrMan, TestBeforeEvictGivesUpWaitingAfterFortyMinutes) {
  AddrMan am(kOneSlot, kKey);
  const NetAddress a = Addr(10, 1), b = Addr(11, 1);
  ASSERT_TRUE(am.Add(a, kNow, a, kNow));
  am.Good(a, kNow);
  ASSERT_TRUE(am.Add(b, kNow, b, kNow));
  const std::uint32_t later = kNow + 5 * 3600;
  am.Good(b, later);
  am.ResolveCollisions(later + 39 * 60);
  EXPECT_FALSE(am.IsTried(b));
  am.ResolveCollisions(later + 41 * 60);
  EXPECT_TRUE(am.IsTried(b));
  EXPECT_EQ(am.collision_count(), 0u);
}

TEST(AddrMan, AtMostTenCollisionsWait) {
  // One tried slot, many new ones: every address after the first collides in tried.
  AddrMan am(AddrManConfig{64, 1, 1}, kKey);
  const NetAddress first = Addr(10, 1);
  am.Good(first, kNow);
  std::vector<NetAddress> waiting;
  for (std::uint32_t i = 0; i < 200; ++i) {
    const NetAddress a = Addr(1000 + i, 1);
    if (am.Add(a, kNow, Addr(5000 + i, 1), kNow)) waiting.push_back(a);
  }
  ASSERT_GT(waiting.size(), 10u);
  for (NetAddress a : waiting) am.Good(a, kNow + 1);
  EXPECT_EQ(am.collision_count(), 10u);
  EXPECT_EQ(am.tried_count(), 1u);
  EXPECT_TRUE(am.IsTried(first));
  for (NetAddress a : waiting) EXPECT_TRUE(am.Contains(a)) << a;  // they stay in new
}

TEST(AddrMan, WithoutBucketLimitsOneSourceReachesEveryBucket) {
  AddrManConfig config;
  config.bucket_limits = false;
  const std::size_t bound =
      std::max<std::uint32_t>(1, config.new_buckets / 16) * config.bucket_size;
  AddrMan flooded(config, kKey);
  for (std::uint32_t i = 0; i < 10'000; ++i) {
    flooded.Add(Addr(1000 + i, i % 7 + 1), kNow, Addr(50, i % 300 + 1), kNow);
  }
  // With the limit one source group fills at most `bound` (32) slots; without it the 512 slots
  // of the new table nearly all (measured: 507).
  EXPECT_GT(flooded.size(), 12 * bound);
  // Tried: every address of one /16 group lands in one bucket with the limit (16 / 32 < 1),
  // in any without it.
  AddrMan limited(AddrManConfig{}, kKey), unlimited(config, kKey);
  for (std::uint32_t host = 1; host <= 500; ++host) {
    limited.Good(Addr(77, host), kNow);
    unlimited.Good(Addr(77, host), kNow);
  }
  EXPECT_LE(limited.tried_count(), AddrManConfig{}.bucket_size);
  EXPECT_GT(unlimited.tried_count(), 8 * AddrManConfig{}.bucket_size);
}

TEST(AddrMan, SelectOnlyFromNonEmptyTablesAndKnownAddresses) {
  AddrMan am(AddrManConfig{}, kKey);
  Rng rng(1);
  EXPECT_EQ(am.Select(false, rng, kNow), kNoAddress);
  EXPECT_EQ(am.Select(true, rng, kNow), kNoAddress);
  const NetAddress tried = Addr(5, 5);
  am.Good(tried, kNow);
  EXPECT_EQ(am.Select(true, rng, kNow), kNoAddress);  // new table empty
  EXPECT_EQ(am.Select(false, rng, kNow), tried);
  std::set<NetAddress> added;
  for (std::uint32_t i = 0; i < 300; ++i) {
    if (am.Add(Addr(100 + i, 1), kNow, Addr(900 + i, 1), kNow)) added.insert(Addr(100 + i, 1));
  }
  ASSERT_GT(added.size(), 100u);
  int tried_picks = 0;
  for (int i = 0; i < 2000; ++i) {
    const NetAddress pick = am.Select(false, rng, kNow);
    ASSERT_TRUE(pick == tried || added.count(pick) == 1);
    tried_picks += pick == tried;
    const NetAddress fresh = am.Select(true, rng, kNow);
    ASSERT_EQ(added.count(fresh), 1u);
  }
  EXPECT_NEAR(tried_picks, 1000, 120);  // tried and new with equal odds
}

TEST(AddrMan, SelectPrefersRarelyTriedAddresses) {
  AddrMan am(AddrManConfig{}, kKey);
  const NetAddress fresh = Addr(10, 1), failing = Addr(11, 1), stale = Addr(12, 1);
  ASSERT_TRUE(am.Add(fresh, kNow, fresh, kNow));
  ASSERT_TRUE(am.Add(failing, kNow, failing, kNow));
  ASSERT_TRUE(am.Add(stale, kNow, stale, kNow));
  for (int i = 0; i < 8; ++i) am.Attempt(failing, kNow);
  // Two failures long ago: odds 0.66^2, about 0.44 of a fresh address's.
  am.Attempt(stale, kNow - 3 * 3600);
  am.Attempt(stale, kNow - 3 * 3600);
  Rng rng(7);
  int picks_fresh = 0, picks_failing = 0, picks_stale = 0;
  for (int i = 0; i < 3000; ++i) {
    const NetAddress pick = am.Select(false, rng, kNow + 300);
    picks_fresh += pick == fresh;
    picks_failing += pick == failing;
    picks_stale += pick == stale;
  }
  EXPECT_EQ(picks_fresh + picks_failing + picks_stale, 3000);
  EXPECT_LT(picks_failing, 30);
  EXPECT_GT(picks_fresh, picks_stale * 3 / 2);
  EXPECT_GT(picks_stale, 400);
}

TEST(AddrMan, SampleRespectsLimitsAndSkipsTerrible) {
  AddrMan am(AddrManConfig{}, kKey);
  std::set<NetAddress> healthy, terrible;
  for (std::uint32_t i = 0; i < 400; ++i) {
    const NetAddress a = Addr(100 + i, 1);
    const bool old = i % 4 == 0;
    if (am.Add(a, old ? kNow - 31 * kDay : kNow - 600, Addr(5000 + i, 1), kNow)) {
      (old ? terrible : healthy).insert(a);
    }
  }
  ASSERT_GT(terrible.size(), 20u);
  ASSERT_GT(healthy.size(), 100u);
  Rng rng(3);
  std::vector<TimedAddress> out;
  am.Sample(10, 100, rng, kNow, out);
  EXPECT_EQ(out.size(), 10u);
  out.clear();
  am.Sample(1000, 23, rng, kNow, out);
  EXPECT_EQ(out.size(), am.size() * 23 / 100);
  out.clear();
  am.Sample(1000, 100, rng, kNow, out);
  EXPECT_EQ(out.size(), healthy.size());
  std::set<NetAddress> seen;
  for (const TimedAddress& entry : out) {
    EXPECT_EQ(healthy.count(entry.address), 1u);
    EXPECT_EQ(entry.time, kNow - 600);
    seen.insert(entry.address);
  }
  EXPECT_EQ(seen.size(), out.size());  // no duplicates
  out.assign(1, TimedAddress{1, 1});   // appends, keeps what was there
  am.Sample(5, 100, rng, kNow, out);
  EXPECT_EQ(out.size(), 6u);
}

TEST(AddrMan, IsTerribleAndChanceFollowCore) {
  AddrMan::Info info;
  info.address = Addr(1, 1);
  info.time = kNow - 3600;
  EXPECT_FALSE(AddrMan::IsTerrible(info, kNow));
  info.time = kNow + 600;
  EXPECT_FALSE(AddrMan::IsTerrible(info, kNow));
  info.time = kNow + 601;
  EXPECT_TRUE(AddrMan::IsTerrible(info, kNow));
  info.time = kNow - 30 * kDay - 1;
  EXPECT_TRUE(AddrMan::IsTerrible(info, kNow));
  info.time = 0;
  EXPECT_TRUE(AddrMan::IsTerrible(info, kNow));
  info.last_try = kNow - 60;  // within a minute of a try nothing is terrible
  EXPECT_FALSE(AddrMan::IsTerrible(info, kNow));

  info = AddrMan::Info{};
  info.time = kNow - 3600;
  info.attempts = 3;
  info.last_try = kNow - 61;
  EXPECT_TRUE(AddrMan::IsTerrible(info, kNow));  // never connected after 3 tries
  info.last_success = kNow - 8 * kDay;
  EXPECT_FALSE(AddrMan::IsTerrible(info, kNow));
  info.attempts = 10;
  EXPECT_TRUE(AddrMan::IsTerrible(info, kNow));  // 10 failures, no success for a week
  info.last_success = kNow - 6 * kDay;
  EXPECT_FALSE(AddrMan::IsTerrible(info, kNow));

  AddrMan::Info chance;
  chance.time = kNow;
  EXPECT_DOUBLE_EQ(AddrMan::Chance(chance, kNow), 1.0);
  chance.last_try = kNow - 599;
  EXPECT_DOUBLE_EQ(AddrMan::Chance(chance, kNow), 0.01);
  chance.last_try = kNow - 600;
  chance.attempts = 2;
  EXPECT_DOUBLE_EQ(AddrMan::Chance(chance, kNow), 0.66 * 0.66);
  chance.attempts = 50;
  EXPECT_DOUBLE_EQ(AddrMan::Chance(chance, kNow), std::pow(0.66, 8));
}

TEST(AddrMan, AttemptAndConnectedUpdateTimes) {
  AddrMan am(AddrManConfig{}, kKey);
  const NetAddress a = Addr(10, 1);
  am.Attempt(a, kNow);  // unknown: ignored
  EXPECT_EQ(am.size(), 0u);
  ASSERT_TRUE(am.Add(a, kNow - 600, a, kNow));
  am.Attempt(a, kNow + 1);
  EXPECT_EQ(am.Find(a)->attempts, 1u);
  EXPECT_EQ(am.Find(a)->last_try, kNow + 1);
  am.Connected(a, kNow);  // seen 10 minutes ago: recent enough
  EXPECT_EQ(am.Find(a)->time, kNow - 600);
  am.Connected(a, kNow + 1200);
  EXPECT_EQ(am.Find(a)->time, kNow + 1200);
}

// Same operations with the same key give the same tables and the same selections; another key
// places differently.
TEST(AddrMan, DeterministicForKeyAndRng) {
  auto build = [](std::uint64_t key) {
    AddrMan am(AddrManConfig{}, key);
    for (std::uint32_t i = 0; i < 3000; ++i) {
      am.Add(Addr(100 + i % 900, i / 900 + 1), kNow - i, Addr(7000 + i % 500, 1), kNow);
      if (i % 7 == 0) am.Good(Addr(100 + i % 900, i / 900 + 1), kNow);
      if (i % 5 == 0) am.Attempt(Addr(100 + (i * 13) % 900, 1), kNow);
    }
    return am;
  };
  const AddrMan one = build(1), again = build(1), other = build(2);
  EXPECT_EQ(one.size(), again.size());
  EXPECT_EQ(one.tried_count(), again.tried_count());
  Rng r1(9), r2(9), r3(9);
  int differ = 0;
  for (int i = 0; i < 200; ++i) {
    const NetAddress pick = one.Select(false, r1, kNow + 900);
    ASSERT_EQ(pick, again.Select(false, r2, kNow + 900));
    differ += pick != other.Select(false, r3, kNow + 900);
  }
  EXPECT_GT(differ, 100);
}

// A mix of operations on small tables, checked only through the public API: counts agree with
// per-address state and the bound on entries holds.
TEST(AddrMan, CountsStayConsistentUnderChurn) {
  const AddrManConfig config{4, 2, 3};
  AddrMan am(config, kKey);
  Rng rng(11);
  for (std::uint32_t step = 0; step < 20'000; ++step) {
    const NetAddress a = Addr(1 + static_cast<std::uint32_t>(rng.Below(40)),
                              1 + static_cast<std::uint32_t>(rng.Below(3)));
    const std::uint32_t now = kNow + step * 30;
    switch (rng.Below(4)) {
      case 0: {
        const auto age = static_cast<std::uint32_t>(rng.Below(40 * kDay));
        am.Add(a, now - age, Addr(static_cast<std::uint32_t>(rng.Below(9)) + 1, 1), now);
        break;
      }
      case 1: am.Good(a, now); break;
      case 2: am.Attempt(a, now); break;
      default: am.Connected(a, now); break;
    }
    if (step % 97 == 0) {
      std::size_t known = 0, tried = 0;
      for (std::uint32_t g = 1; g <= 40; ++g) {
        for (std::uint32_t h = 1; h <= 3; ++h) {
          known += am.Contains(Addr(g, h));
          tried += am.IsTried(Addr(g, h));
        }
      }
      ASSERT_EQ(known, am.size());
      ASSERT_EQ(tried, am.tried_count());
      ASSERT_EQ(am.new_count() + am.tried_count(), am.size());
      ASSERT_LE(am.new_count(), std::size_t{config.new_buckets} * config.bucket_size);
      ASSERT_LE(am.tried_count(), std::size_t{config.tried_buckets} * config.bucket_size);
      const NetAddress pick = am.Select(false, rng, now);
      ASSERT_TRUE(am.size() == 0 ? pick == kNoAddress : am.Contains(pick));
    }
  }
}

TEST(AddrMan, MemoryStaysSmallWhenFull) {
  AddrMan am(AddrManConfig{}, kKey);
  for (std::uint32_t i = 0; i < 100'000; ++i) {
    am.Add(Addr(100 + i % 60'000, i / 60'000 + 1), kNow, Addr(1 + i % 5000, 1), kNow);
  }
  EXPECT_GT(am.size(), 450u);
  EXPECT_LE(am.size(), 640u);
  // At most 640 entries of sizeof(Info) (with its cached position) plus a 4-byte slot index
  // each, and vectors grow by an eighth: 20 KB full, so under 24 KB with growth slack.
  EXPECT_LE(sizeof(AddrMan::Info), 28u);
  EXPECT_LT(am.MemoryBytes(), 24u * 1024);
}

}  // namespace
}  // namespace peerlab::bitcoin
