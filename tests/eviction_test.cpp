// Inbound eviction after Bitcoin Core's SelectNodeToEvict: protection steps, group choice,
// resistance to a one-netgroup attacker, determinism.
#include "peerlab/bitcoin/eviction.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <vector>

namespace peerlab::bitcoin {
namespace {

using Candidates = std::vector<EvictionCandidate>;

// n peers in one netgroup, peer i connected at i seconds, nothing measured or relayed yet.
// Protection then falls to the oldest at every step, so the youngest unprotected peer loses.
Candidates Line(int n) {
  Candidates c;
  for (int i = 0; i < n; ++i) {
    EvictionCandidate e;
    e.peer = static_cast<PeerId>(i);
    e.connected_at = i * kSecond;
    e.keyed_net_group = 1;
    e.relays_txs = true;
    c.push_back(e);
  }
  return c;
}

// Evicts until everything left is protected; returns every victim in order.
std::vector<PeerId> EvictAll(Candidates c) {
  std::vector<PeerId> victims;
  while (auto v = SelectPeerToEvict(c)) {
    victims.push_back(*v);
    std::erase_if(c, [&](const EvictionCandidate& e) { return e.peer == *v; });
  }
  return victims;
}

TEST(Eviction, EmptyIsNullopt) { EXPECT_EQ(SelectPeerToEvict({}), std::nullopt); }

TEST(Eviction, FewCandidatesAreAllProtected) {
  // 4 by group + 8 by ping + 4 by tx + 4 by block cover 20 transaction relayers ...
  EXPECT_EQ(SelectPeerToEvict(Line(20)), std::nullopt);
  // ... and the 21st, the youngest, is the first that can go (half of one protects none).
  EXPECT_EQ(SelectPeerToEvict(Line(21)), PeerId{20});
  // Block-relay-only peers get 8 more protected slots.
  auto block_only = [](int n) {
    Candidates c = Line(n);
    for (auto& e : c) e.relays_txs = false;
    return c;
  };
  EXPECT_EQ(SelectPeerToEvict(block_only(28)), std::nullopt);
  EXPECT_EQ(SelectPeerToEvict(block_only(29)), PeerId{28});
}

TEST(Eviction, HighestKeyedGroupsAreProtected) {
  // Every peer alone in its group, so the group step cannot hide a missing protection.
  Candidates c = Line(40);
  for (int i = 0; i < 40; ++i) c[i].keyed_net_group = 100 + i;
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{35});
  // The top 4 may share one group.
  for (int i = 36; i < 40; ++i) c[i].keyed_net_group = 500;
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{35});
}

TEST(Eviction, LowestPingIsProtected) {
  Candidates c = Line(40);
  for (int i = 0; i < 32; ++i) c[i].min_ping = 100 * kMillisecond + i * kMicrosecond;
  for (int i = 32; i < 40; ++i) c[i].min_ping = (40 - i) * kMillisecond;
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{31});

  // An unmeasured ping is the slowest, not the fastest.
  c = Line(40);
  for (int i = 0; i < 32; ++i) c[i].min_ping = 50 * kMillisecond;
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{39});
}

TEST(Eviction, LowestPingNeverEvictedUnderRepeatedEviction) {
  std::mt19937_64 rng(7);
  Candidates c;
  for (int i = 0; i < 114; ++i) {
    EvictionCandidate e;
    e.peer = static_cast<PeerId>(i);
    e.connected_at = static_cast<TimeNs>(rng() % 1000) * kSecond;
    e.min_ping = rng() % 10 == 0 ? -1 : static_cast<DurationNs>(20 + rng() % 300) * kMillisecond;
    e.last_tx_time = rng() % 3 == 0 ? static_cast<TimeNs>(rng() % 1000) * kSecond : -1;
    e.last_block_time = rng() % 5 == 0 ? static_cast<TimeNs>(rng() % 1000) * kSecond : -1;
    e.keyed_net_group = rng() % 8;
    e.relays_txs = rng() % 4 != 0;
    c.push_back(e);
  }
  // The fastest peers are otherwise the obvious victims: youngest, in one crowded group.
  std::set<PeerId> fastest;
  for (int i = 0; i < 8; ++i) {
    c[i].min_ping = (i + 1) * kMillisecond;
    c[i].connected_at = (2000 + i) * kSecond;
    c[i].keyed_net_group = 0;
    fastest.insert(c[i].peer);
  }
  const auto victims = EvictAll(c);
  EXPECT_GE(victims.size(), 114u - 28u);  // only the fixed protections can be left at the end
  for (PeerId v : victims) EXPECT_FALSE(fastest.contains(v)) << "evicted fast peer " << v;
}

TEST(Eviction, FourMostRecentTxSendersAreProtected) {
  Candidates c = Line(40);
  for (int i = 36; i < 40; ++i) c[i].last_tx_time = (100 + i) * kSecond;
  c[35].last_tx_time = kSecond;  // sent one too, but longer ago than the four above
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{35});

  // Before any transaction arrives, a peer that asked for them outranks one that did not.
  c = Line(40);
  for (int i = 0; i < 39; ++i) c[i].relays_txs = false;
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{38});
}

TEST(Eviction, BlockRelayOnlyPeersAreProtected) {
  // Peers 32..39 sent blocks, the younger ones longer ago.
  Candidates c = Line(40);
  for (int i = 32; i < 40; ++i) c[i].last_block_time = (40 - i) * kSecond;
  // As transaction relayers only the 4 most recent block senders (32..35) are kept.
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{39});
  // As block-relay-only peers all 8 are kept; 30 and 31 sent no block and are not.
  for (int i = 30; i < 40; ++i) c[i].relays_txs = false;
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{31});

  // Only 2 block-relay-only peers: the other 6 slots of that step are not handed to relayers,
  // so relayers 32 and 33 (older blocks) stay exposed.
  c = Line(40);
  for (int i = 30; i < 38; ++i) c[i].last_block_time = (i - 20) * kSecond;
  c[38].last_block_time = 2 * kSecond;
  c[39].last_block_time = kSecond;
  c[38].relays_txs = c[39].relays_txs = false;
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{33});
}

// Peers 0..49 sit in their own groups; 50..59 are the youngest and form the groups under test.
Candidates Groups(const std::vector<std::uint64_t>& young_groups) {
  Candidates c = Line(60);
  for (int i = 0; i < 50; ++i) c[i].keyed_net_group = 1000 + i;
  for (int i = 50; i < 60; ++i) c[i].keyed_net_group = young_groups[i - 50];
  return c;
}

TEST(Eviction, LargestGroupLosesItsYoungest) {
  // Group 1 = {50,52,54,56}, group 2 = {51,53,55}; 59 is the youngest overall but alone.
  EXPECT_EQ(SelectPeerToEvict(Groups({1, 2, 1, 2, 1, 2, 1, 3, 4, 5})), PeerId{56});
  // Equal sizes: group 2 = {51,53,55,57} has the younger youngest member.
  EXPECT_EQ(SelectPeerToEvict(Groups({1, 2, 1, 2, 1, 2, 1, 2, 4, 5})), PeerId{57});
  // Equal sizes and equal youngest ages: the higher id is the younger connection.
  Candidates c = Groups({1, 2, 1, 2, 1, 2, 1, 2, 4, 5});
  c[57].connected_at = c[56].connected_at;
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{57});
  std::swap(c[56].peer, c[57].peer);  // now peer 57 is in group 1 and peer 56 in group 2
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{57});

  // The longest-lived half is shielded even when it crowds one group: 16..25 share a group but
  // are protected by uptime, leaving only singletons, of which the youngest goes.
  c = Groups({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  for (int i = 16; i < 26; ++i) c[i].keyed_net_group = 900;
  EXPECT_EQ(SelectPeerToEvict(c), PeerId{59});
}

TEST(Eviction, NetgroupAttackerOnlyEvictsItself) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    std::mt19937_64 rng(seed);
    const std::uint64_t attacker_group = rng();
    // The attacker connected first, sits close to us and relays transactions: everything but
    // netgroup diversity it can buy.
    auto attacker = [&](PeerId id, TimeNs connected_at) {
      EvictionCandidate e;
      e.peer = id;
      e.connected_at = connected_at;
      e.min_ping = static_cast<DurationNs>(1000 + rng() % 1000) * kMicrosecond;
      e.last_tx_time = static_cast<TimeNs>(1000 + rng() % 100) * kSecond;
      e.keyed_net_group = attacker_group;
      e.relays_txs = true;
      return e;
    };
    Candidates c;
    for (int i = 0; i < 100; ++i) c.push_back(attacker(static_cast<PeerId>(i), i * kSecond));
    for (int i = 100; i < 114; ++i) {
      EvictionCandidate e;
      e.peer = static_cast<PeerId>(i);
      e.connected_at = (100 + i) * kSecond;
      e.min_ping = static_cast<DurationNs>(50 + rng() % 150) * kMillisecond;
      e.last_block_time = rng() % 2 ? static_cast<TimeNs>(rng() % 1000) * kSecond : -1;
      e.keyed_net_group = rng();
      e.relays_txs = rng() % 3 != 0;
      c.push_back(e);
    }
    // The attacker reconnects after every eviction, always as the youngest peer.
    PeerId next = 114;
    for (int round = 0; round < 20; ++round) {
      const auto victim = SelectPeerToEvict(c);
      ASSERT_TRUE(victim.has_value());
      const auto it = std::find_if(c.begin(), c.end(), [&](const auto& e) {
        return e.peer == *victim;
      });
      ASSERT_NE(it, c.end());
      ASSERT_EQ(it->keyed_net_group, attacker_group) << "seed " << seed << " round " << round;
      *it = attacker(next++, (2000 + round) * kSecond);
    }
  }
}

TEST(Eviction, VictimDoesNotDependOnInputOrder) {
  std::mt19937_64 rng(3);
  // Identical but for the id: only the id tie-break decides, and the highest id loses.
  Candidates same = Line(40);
  for (auto& e : same) e.connected_at = 0;
  for (int i = 0; i < 20; ++i) {
    std::shuffle(same.begin(), same.end(), rng);
    EXPECT_EQ(SelectPeerToEvict(same), PeerId{39});
  }

  // Fields drawn from tiny ranges, so every step meets ties.
  Candidates c;
  for (int i = 0; i < 80; ++i) {
    EvictionCandidate e;
    e.peer = static_cast<PeerId>(i);
    e.connected_at = static_cast<TimeNs>(rng() % 4) * kSecond;
    e.min_ping = rng() % 3 == 0 ? -1 : static_cast<DurationNs>(1 + rng() % 2) * kMillisecond;
    e.last_tx_time = rng() % 2 ? 5 * kSecond : -1;
    e.last_block_time = rng() % 2 ? 7 * kSecond : -1;
    e.keyed_net_group = rng() % 3;
    e.relays_txs = rng() % 2;
    c.push_back(e);
  }
  const auto expected = SelectPeerToEvict(c);
  ASSERT_TRUE(expected.has_value());
  for (int i = 0; i < 50; ++i) {
    std::shuffle(c.begin(), c.end(), rng);
    EXPECT_EQ(SelectPeerToEvict(c), expected);
  }
  // Whole eviction sequences agree too.
  const auto order = EvictAll(c);
  std::shuffle(c.begin(), c.end(), rng);
  EXPECT_EQ(EvictAll(c), order);
}

}  // namespace
}  // namespace peerlab::bitcoin
