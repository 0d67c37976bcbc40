// Validator set (CometBFT's proposer selection) and vote sets of the Tendermint family.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <vector>

#include "peerlab/tendermint/validator_set.hpp"
#include "peerlab/tendermint/vote_set.hpp"

namespace peerlab::tendermint {
namespace {

Address Addr(std::uint8_t b) {
  Address a{};
  a[0] = b;
  return a;
}

Validator Val(std::uint8_t addr, VotingPower power, std::int64_t priority = 0) {
  return Validator{Addr(addr), power, priority};
}

std::int64_t PriorityOf(const ValidatorSet& set, std::uint8_t addr) {
  return set.At(set.IndexOf(Addr(addr))).proposer_priority;
}

std::uint8_t ProposerAddr(const ValidatorSet& set) { return set.Proposer().address[0]; }

// CometBFT spec/consensus/proposer-selection.md (commit 13222ce9ddb2db2b74c8feaf56b7d0471515b1ed),
// "Stable Set": p1 with power 1, p2 with power 3, priorities from 0. Runs 1-4 of its table:
// proposers p2, p1, p2, p2 (run 2 is a tie at 2, won by p1, the smaller address) and the
// priorities after each run; after run 4 both are back at 0 and the cycle repeats.
TEST(TendermintValidatorSet, SpecStableSetTable) {
  auto set = ValidatorSet::FromState({Val(1, 1), Val(2, 3)});
  ASSERT_TRUE(set);
  struct Row {
    std::uint8_t proposer;
    std::int64_t p1, p2;
  };
  const Row rows[] = {{2, 1, -1}, {1, -2, 2}, {2, -1, 1}, {2, 0, 0}};
  for (int cycle = 0; cycle < 3; ++cycle) {
    for (const Row& row : rows) {
      set->IncrementProposerPriority(1);
      EXPECT_EQ(ProposerAddr(*set), row.proposer);
      EXPECT_EQ(PriorityOf(*set, 1), row.p1);
      EXPECT_EQ(PriorityOf(*set, 2), row.p2);
    }
  }
}

// Same document, "Validator Removal": p1 (power 1) at 1 and p3 (power 3) at -3 once p2 is
// removed. The centring step subtracts avg = -1 (p1 to 2, p3 to -2), the run adds the powers
// (3, 1), p1 proposes and drops to -1.
TEST(TendermintValidatorSet, SpecRemovalCentringExample) {
  auto set = ValidatorSet::FromState({Val(1, 1, 1), Val(3, 3, -3)});
  ASSERT_TRUE(set);
  set->CentreOnMean();
  EXPECT_EQ(PriorityOf(*set, 1), 2);
  EXPECT_EQ(PriorityOf(*set, 3), -2);
  auto run = ValidatorSet::FromState({Val(1, 1, 1), Val(3, 3, -3)});
  run->IncrementProposerPriority(1);
  EXPECT_EQ(ProposerAddr(*run), 1);
  EXPECT_EQ(PriorityOf(*run, 1), -1);
  EXPECT_EQ(PriorityOf(*run, 3), 1);
}

// Same document, "New Validator": p1 (1) at 2, p2 (3) at -2, p3 (8) added at -13; the next run
// elects p1. The document's table centres by avg = -4 (-13/3 truncated); the code it
// documents (types/validator_set.go, computeAvgProposerPriority) uses big.Int's Euclidean Div,
// -5, which we follow: p1 2+5+1 = 8, elected, 8-12 = -4; p2 -2+5+3 = 6; p3 -13+5+8 = 0.
TEST(TendermintValidatorSet, SpecNewValidatorExampleWithEuclideanMean) {
  auto set = ValidatorSet::FromState({Val(1, 1, 2), Val(2, 3, -2), Val(3, 8, -13)});
  ASSERT_TRUE(set);
  set->IncrementProposerPriority(1);
  EXPECT_EQ(ProposerAddr(*set), 1);
  EXPECT_EQ(PriorityOf(*set, 1), -4);
  EXPECT_EQ(PriorityOf(*set, 2), 6);
  EXPECT_EQ(PriorityOf(*set, 3), 0);
}

TEST(TendermintValidatorSet, FrequenciesProportionalToPower) {
  const std::vector<VotingPower> powers = {1, 2, 3, 4, 10, 7, 13};
  std::vector<Validator> vals;
  VotingPower total = 0;
  for (std::size_t i = 0; i < powers.size(); ++i) {
    vals.push_back(Val(static_cast<std::uint8_t>(10 + i), powers[i]));
    total += powers[i];
  }
  auto set = ValidatorSet::Make(vals);
  ASSERT_TRUE(set);
  const int cycles = 50;
  std::map<std::uint8_t, int> count;
  for (int i = 0; i < cycles * total; ++i) {
    ++count[ProposerAddr(*set)];
    set->IncrementProposerPriority(1);
  }
  for (std::size_t i = 0; i < powers.size(); ++i) {
    const int expected = cycles * static_cast<int>(powers[i]);
    EXPECT_NEAR(count[static_cast<std::uint8_t>(10 + i)], expected, 2) << "power " << powers[i];
  }
  // The spread stays within the window: max - min <= 2 x total after every call.
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const Validator& v : set->Validators()) {
    lo = std::min(lo, v.proposer_priority);
    hi = std::max(hi, v.proposer_priority);
  }
  EXPECT_LE(hi - lo, 2 * total + *std::max_element(powers.begin(), powers.end()));
}

TEST(TendermintValidatorSet, EqualPowersGiveRoundRobinInAddressOrder) {
  auto set = ValidatorSet::Make({Val(4, 10), Val(2, 10), Val(3, 10), Val(1, 10)});
  ASSERT_TRUE(set);
  // Make has run the selection once: the smallest address proposes first.
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(ProposerAddr(*set), 1 + i % 4) << "run " << i;
    set->IncrementProposerPriority(1);
  }
}

TEST(TendermintValidatorSet, SortedByPowerThenAddressAndCopyLeavesOriginal) {
  auto set = ValidatorSet::Make({Val(5, 1), Val(3, 7), Val(9, 7), Val(1, 2)});
  ASSERT_TRUE(set);
  const std::vector<std::uint8_t> order = {3, 9, 1, 5};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(set->At(i).address[0], order[static_cast<std::size_t>(i)]);
  const ValidatorSet before = *set;
  const ValidatorSet later = set->CopyIncrementProposerPriority(5);
  EXPECT_EQ(set->ProposerIndex(), before.ProposerIndex());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(set->At(i), before.At(i));
  ValidatorSet stepwise = before;
  stepwise.IncrementProposerPriority(5);
  EXPECT_EQ(later.ProposerIndex(), stepwise.ProposerIndex());
  EXPECT_EQ(set->TotalVotingPower(), 17);
  EXPECT_EQ(set->IndexOf(Addr(77)), -1);
}

TEST(TendermintValidatorSet, RejectsBadSets) {
  EXPECT_FALSE(ValidatorSet::Make({}));
  EXPECT_FALSE(ValidatorSet::Make({Val(1, 1), Val(1, 2)}));  // duplicate address
  EXPECT_FALSE(ValidatorSet::Make({Val(1, 0)}));
  EXPECT_FALSE(ValidatorSet::Make({Val(1, -3)}));
  EXPECT_FALSE(ValidatorSet::Make({Val(1, kMaxTotalVotingPower), Val(2, 1)}));
  EXPECT_TRUE(ValidatorSet::Make({Val(1, kMaxTotalVotingPower)}));
}

// RescalePriorities: a spread of 2000 with total power 2 (window 4) is divided by
// ceil(2000 / 4) = 500; a spread inside the window is left alone.
TEST(TendermintValidatorSet, RescaleBoundsTheSpread) {
  auto set = ValidatorSet::FromState({Val(1, 1, 1000), Val(2, 1, -1000)});
  set->RescalePriorities(kPriorityWindowSizeFactor * set->TotalVotingPower());
  EXPECT_EQ(PriorityOf(*set, 1), 2);
  EXPECT_EQ(PriorityOf(*set, 2), -2);
  set->RescalePriorities(4);
  EXPECT_EQ(PriorityOf(*set, 1), 2);
  // Priorities near the int64 limits neither overflow nor lose the order.
  auto edge = ValidatorSet::FromState({Val(1, 5, INT64_MAX - 2), Val(2, 5, INT64_MIN + 2)});
  edge->IncrementProposerPriority(3);
  for (const Validator& v : edge->Validators()) EXPECT_LE(std::abs(v.proposer_priority), 40);
}

TEST(TendermintValidatorSet, QuorumThresholds) {
  auto set = ValidatorSet::Make({Val(1, 1), Val(2, 1), Val(3, 1)});  // total 3
  EXPECT_FALSE(set->IsTwoThirds(2));  // exactly 2/3 is not more than 2/3
  EXPECT_TRUE(set->IsTwoThirds(3));
  EXPECT_FALSE(set->IsOneThird(1));
  EXPECT_TRUE(set->IsOneThird(2));
}

// --- vote sets -----------------------------------------------------------------------------

struct VoteFixture {
  ValidatorSet set = *ValidatorSet::Make({Val(1, 1), Val(2, 1), Val(3, 1), Val(4, 1)});
  Vote Make(std::uint8_t addr, std::uint8_t block, SignedMsgType type = SignedMsgType::kPrevote,
            Round round = 0) const {
    Vote v;
    v.type = type;
    v.height = 5;
    v.round = round;
    if (block != 0) v.block_id.hash.bytes[0] = block;
    v.validator_address = Addr(addr);
    v.validator_index = set.IndexOf(Addr(addr));
    return v;
  }
};

TEST(TendermintVoteSet, TalliesAndFindsTheMajority) {
  VoteFixture f;
  VoteSet vs(5, 0, SignedMsgType::kPrevote, &f.set);
  EXPECT_EQ(vs.Add(f.Make(1, 7), nullptr), AddVoteResult::kAdded);
  EXPECT_EQ(vs.Add(f.Make(2, 7), nullptr), AddVoteResult::kAdded);
  EXPECT_TRUE(vs.HasOneThirdAny());
  EXPECT_FALSE(vs.HasTwoThirdsAny());
  EXPECT_EQ(vs.Add(f.Make(3, 0), nullptr), AddVoteResult::kAdded);  // nil
  EXPECT_TRUE(vs.HasTwoThirdsAny());
  EXPECT_FALSE(vs.TwoThirdsMajority());
  EXPECT_EQ(vs.Add(f.Make(4, 7), nullptr), AddVoteResult::kAdded);
  ASSERT_TRUE(vs.TwoThirdsMajority());
  EXPECT_EQ(vs.TwoThirdsMajority()->hash.bytes[0], 7);
  EXPECT_EQ(vs.PowerFor(f.Make(1, 7).block_id), 3);
  EXPECT_EQ(vs.VotesFor(f.Make(1, 7).block_id).size(), 3u);
  EXPECT_TRUE(vs.HasAll());
  EXPECT_EQ(vs.VotedBits().elems.at(0), 0xFu);
}

TEST(TendermintVoteSet, NilMajorityAndInvalidVotes) {
  VoteFixture f;
  VoteSet vs(5, 0, SignedMsgType::kPrecommit, &f.set);
  for (std::uint8_t a = 1; a <= 3; ++a) {
    EXPECT_EQ(vs.Add(f.Make(a, 0, SignedMsgType::kPrecommit), nullptr), AddVoteResult::kAdded);
  }
  ASSERT_TRUE(vs.TwoThirdsMajority());
  EXPECT_TRUE(vs.TwoThirdsMajority()->IsNil());
  EXPECT_EQ(vs.Add(f.Make(4, 0), nullptr), AddVoteResult::kInvalid);  // a prevote
  Vote wrong_addr = f.Make(4, 0, SignedMsgType::kPrecommit);
  wrong_addr.validator_address = Addr(1);
  EXPECT_EQ(vs.Add(wrong_addr, nullptr), AddVoteResult::kInvalid);
  Vote bad_index = f.Make(4, 0, SignedMsgType::kPrecommit);
  bad_index.validator_index = 9;
  EXPECT_EQ(vs.Add(bad_index, nullptr), AddVoteResult::kInvalid);
  EXPECT_EQ(vs.Add(f.Make(4, 0, SignedMsgType::kPrecommit, 1), nullptr), AddVoteResult::kInvalid);
}

TEST(TendermintVoteSet, ConflictingVoteIsEvidenceNotCounted) {
  VoteFixture f;
  VoteSet vs(5, 0, SignedMsgType::kPrevote, &f.set);
  std::optional<DoubleSign> ev;
  EXPECT_EQ(vs.Add(f.Make(1, 7), &ev), AddVoteResult::kAdded);
  EXPECT_EQ(vs.Add(f.Make(1, 7), &ev), AddVoteResult::kDuplicate);
  EXPECT_FALSE(ev);
  EXPECT_EQ(vs.Add(f.Make(1, 8), &ev), AddVoteResult::kConflict);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->first.block_id.hash.bytes[0], 7);
  EXPECT_EQ(ev->second.block_id.hash.bytes[0], 8);
  EXPECT_EQ(vs.Sum(), 1);
  EXPECT_EQ(vs.PowerFor(f.Make(1, 8).block_id), 0);
  // Reported once per validator: a third version is refused silently.
  std::optional<DoubleSign> again;
  EXPECT_EQ(vs.Add(f.Make(1, 9), &again), AddVoteResult::kConflict);
  EXPECT_FALSE(again);
}

// CometBFT's SetPeerMaj23: after a peer claims +2/3 for B, a validator's conflicting vote for
// B counts towards B (and is still reported); without a claim it does not.
TEST(TendermintVoteSet, PeerMaj23ClaimAdmitsConflictingVoteForThatBlock) {
  VoteFixture f;
  VoteSet vs(5, 0, SignedMsgType::kPrevote, &f.set);
  EXPECT_EQ(vs.Add(f.Make(1, 9), nullptr), AddVoteResult::kAdded);  // 1 first votes 9
  EXPECT_EQ(vs.Add(f.Make(2, 7), nullptr), AddVoteResult::kAdded);
  EXPECT_EQ(vs.Add(f.Make(3, 7), nullptr), AddVoteResult::kAdded);
  std::optional<DoubleSign> ev;
  EXPECT_EQ(vs.Add(f.Make(1, 7), &ev), AddVoteResult::kConflict);  // not counted: no claim
  EXPECT_TRUE(ev);
  EXPECT_FALSE(vs.TwoThirdsMajority());
  EXPECT_TRUE(vs.SetPeerMaj23(42, f.Make(1, 7).block_id));
  EXPECT_FALSE(vs.SetPeerMaj23(42, f.Make(1, 8).block_id));  // one claim per peer
  EXPECT_EQ(vs.Add(f.Make(1, 7), &ev), AddVoteResult::kConflict);  // now counted for 7
  ASSERT_TRUE(vs.TwoThirdsMajority());
  EXPECT_EQ(vs.TwoThirdsMajority()->hash.bytes[0], 7);
  EXPECT_EQ(vs.PowerFor(f.Make(1, 7).block_id), 3);
  EXPECT_EQ(vs.VotesFor(f.Make(1, 7).block_id).size(), 3u);
  EXPECT_EQ(vs.Sum(), 3);  // the validator's power is in the total once
  EXPECT_EQ(vs.Add(f.Make(1, 7), &ev), AddVoteResult::kConflict);
  EXPECT_EQ(vs.PowerFor(f.Make(1, 7).block_id), 3);  // and in the block's tally once
}

TEST(TendermintHeightVoteSet, CatchupRoundsBoundedPerPeer) {
  VoteFixture f;
  HeightVoteSet hvs(5, &f.set);
  EXPECT_EQ(hvs.Rounds(), std::vector<Round>{0});
  // Peer 7 may open two future rounds, not a third; another peer has its own two.
  EXPECT_EQ(hvs.Add(f.Make(1, 7, SignedMsgType::kPrevote, 10), 7, nullptr), AddVoteResult::kAdded);
  EXPECT_EQ(hvs.Add(f.Make(1, 7, SignedMsgType::kPrecommit, 11), 7, nullptr),
            AddVoteResult::kAdded);
  EXPECT_EQ(hvs.Add(f.Make(2, 7, SignedMsgType::kPrevote, 12), 7, nullptr),
            AddVoteResult::kUnwantedRound);
  // A round that exists already costs nothing.
  EXPECT_EQ(hvs.Add(f.Make(2, 7, SignedMsgType::kPrevote, 10), 7, nullptr), AddVoteResult::kAdded);
  EXPECT_EQ(hvs.Add(f.Make(2, 7, SignedMsgType::kPrevote, 12), 8, nullptr), AddVoteResult::kAdded);
  EXPECT_EQ(hvs.Rounds(), (std::vector<Round>{0, 10, 11, 12}));
  // Distinct validators per round, across prevotes and precommits.
  EXPECT_EQ(hvs.AnyPower(10), 2);
  EXPECT_EQ(hvs.AnyPower(11), 1);
  // SetRound fills the rounds up to it, keeping the catch-up ones.
  hvs.SetRound(3);
  EXPECT_EQ(hvs.Rounds(), (std::vector<Round>{0, 1, 2, 3, 10, 11, 12}));
  EXPECT_EQ(hvs.Add(f.Make(3, 0, SignedMsgType::kPrevote, 2), 7, nullptr), AddVoteResult::kAdded);
  EXPECT_EQ(hvs.Add(f.Make(3, 0, SignedMsgType::kPrevote, 2), 7, nullptr),
            AddVoteResult::kDuplicate);
  Vote other_height = f.Make(3, 0);
  other_height.height = 6;
  EXPECT_EQ(hvs.Add(other_height, 7, nullptr), AddVoteResult::kInvalid);
}

}  // namespace
}  // namespace peerlab::tendermint
