// TxStore::RanksBefore (and RankedBefore on keys read once), the order in which nodes announce
// and mine transactions, must be FeeRateLess's exact order (reversed) whatever the doubles it
// compares first say.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "peerlab/bitcoin/tx_store.hpp"

namespace peerlab::bitcoin {
namespace {

// What RanksBefore promises: a before b exactly when b pays less per byte, or as much and is
// younger.
bool ExactlyBefore(const TxStore& txs, TxHandle a, TxHandle b) {
  return FeeRateLess(txs.Get(b), b, txs.Get(a), a);
}

void ExpectSameOrder(const TxStore& txs) {
  const auto n = static_cast<TxHandle>(txs.size());
  for (TxHandle a = 0; a < n; ++a) {
    for (TxHandle b = 0; b < n; ++b) {
      ASSERT_EQ(txs.RanksBefore(a, b), ExactlyBefore(txs, a, b)) << "a=" << a << " b=" << b;
      // The same order from keys read once (the trickle's sort).
      ASSERT_EQ(txs.RankedBefore(txs.RankOf(a), txs.RankOf(b)), ExactlyBefore(txs, a, b))
          << "ranked a=" << a << " b=" << b;
    }
  }
}

TEST(TxStoreOrder, EqualRatesRankTheOlderFirst) {
  TxStore txs;
  txs.Add(200, 100, 0, 0, 0, 1);  // 0.5 sat/B
  txs.Add(100, 50, 0, 0, 0, 2);   // 0.5 sat/B, younger
  txs.Add(100, 51, 0, 0, 0, 3);   // 0.51 sat/B
  EXPECT_TRUE(txs.RanksBefore(0, 1));
  EXPECT_FALSE(txs.RanksBefore(1, 0));
  EXPECT_TRUE(txs.RanksBefore(2, 0));
  EXPECT_FALSE(txs.RanksBefore(0, 0));
  ExpectSameOrder(txs);
}

TEST(TxStoreOrder, RatesTheDoublesCannotTellApartAreSettledExactly) {
  // 8758920884831621 / 563647 < 8758905345103946 / 563646, yet both quotients round to the
  // same double; the one paying more is the younger, so a tie by age would rank it second.
  TxStore txs;
  txs.Add(563647, 8758920884831621, 0, 0, 0, 1);
  txs.Add(563646, 8758905345103946, 0, 0, 0, 2);
  ASSERT_EQ(txs.Get(0).fee_rate(), txs.Get(1).fee_rate());
  EXPECT_TRUE(txs.RanksBefore(1, 0));   // it pays more, though it is younger
  EXPECT_FALSE(txs.RanksBefore(0, 1));
  ExpectSameOrder(txs);
}

TEST(TxStoreOrder, FeesBeyondDoublePrecisionAreComparedExactly) {
  TxStore txs;
  const std::uint64_t big = (std::uint64_t{1} << 53) + 1;  // not a double
  txs.Add(1000, big, 0, 0, 0, 1);
  txs.Add(1000, big - 1, 0, 0, 0, 2);  // pays 1 sat less: ranks after, though older
  txs.Add(1000, big + 2, 0, 0, 0, 3);
  EXPECT_TRUE(txs.RanksBefore(0, 1));
  EXPECT_TRUE(txs.RanksBefore(2, 0));
  // Here the doubles would even give the wrong order: 740951708609232262 / 3335 is more than
  // 292159369361661295 / 1315, but the quotients of the fees' nearest doubles say less.
  txs.Add(3335, 740951708609232262, 0, 0, 0, 4);
  txs.Add(1315, 292159369361661295, 0, 0, 0, 5);
  ASSERT_LT(txs.Get(3).fee_rate(), txs.Get(4).fee_rate());
  EXPECT_TRUE(txs.RanksBefore(3, 4));
  ExpectSameOrder(txs);
}

TEST(TxStoreOrder, RandomTransactionsWithManyTiesKeepTheExactOrder) {
  std::mt19937_64 rng(7);
  TxStore txs;
  for (std::uint64_t i = 0; i < 400; ++i) {
    const auto size = static_cast<std::uint32_t>(82 + rng() % 400);
    // Small fee grids make equal rates common; some near-ties at large fees.
    const std::uint64_t fee = i % 3 == 0 ? (size / 2) * (1 + rng() % 4)
                                         : (std::uint64_t{1} << 52) / size + rng() % 3;
    txs.Add(size, fee, 0, 0, 0, i);
  }
  ExpectSameOrder(txs);
  std::vector<TxHandle> by_key(txs.size());
  for (TxHandle h = 0; h < by_key.size(); ++h) by_key[h] = h;
  std::vector<TxHandle> exact = by_key;
  std::sort(by_key.begin(), by_key.end(), [&](TxHandle a, TxHandle b) { return txs.RanksBefore(a, b); });
  std::sort(exact.begin(), exact.end(), [&](TxHandle a, TxHandle b) { return ExactlyBefore(txs, a, b); });
  EXPECT_EQ(by_key, exact);
}

}  // namespace
}  // namespace peerlab::bitcoin
