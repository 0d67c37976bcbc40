// The Tendermint family's invariants, checked at checkpoints during a run and at its
// end (check.hpp; docs/testing.md).
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>
#include <tuple>

#include "peerlab/explore/check.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/tendermint/sim/simulation.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::explore {
namespace {

Verdict Fail(Verdict v, std::string invariant, std::string detail) {
  v.ok = false;
  v.invariant = std::move(invariant);
  v.detail = std::move(detail);
  return v;
}

std::string Seconds(TimeNs t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f s", static_cast<double>(t) / 1e9);
  return buf;
}

constexpr DurationNs kCheckpointEvery = 10 * kSecond;
constexpr std::uint64_t kMaxCheckpoints = 100'000;

std::string At(std::uint32_t node, tendermint::Height h) {
  return "node " + std::to_string(node) + ", height " + std::to_string(h) + ": ";
}

// Validity of what an honest node committed (empty: valid): each block was made by the proposer
// of the round it was first proposed in, at most the commit's round (CometBFT's proposer
// selection from the genesis set); the commit holds precommits for it of one round, not before
// its proposal, from distinct validators with more than 2/3 of the power; its transactions were
// submitted and appear once in the chain; its evidence is of real double signs (two votes of one
// validator at one height, round and step for different blocks), each once.
std::string CheckValidity(const tendermint::Simulation& s, std::uint64_t txs_created) {
  using namespace tendermint;
  const ValidatorSet& genesis = s.genesis_validators();
  for (std::uint32_t i = 0; i < s.node_count(); ++i) {
    if (!s.Honest(i)) continue;
    const std::vector<CommittedBlock>& chain = s.node(i).chain();
    ValidatorSet height_set = genesis;
    std::set<TxId> txs;
    std::set<std::tuple<Height, Round, SignedMsgType, ValidatorIndex>> evidence;
    for (std::size_t k = 0; k < chain.size(); ++k) {
      const auto h = static_cast<Height>(k + 1);
      if (h > 1) height_set.IncrementProposerPriority(1);
      const CommittedBlock& b = chain[k];
      const BlockContent* content = b.content;
      // A block may be committed in a later round than it was first proposed in (a proposer
      // proposes the valid block it holds again), but not in an earlier one.
      if (content == nullptr || !(content->id == b.block_id) || content->height != h ||
          content->round > b.round) {
        return At(i, h) + "the committed block is not one proposed at this height by round " +
               std::to_string(b.round);
      }
      const ValidatorSet round_set = content->round == 0
                                         ? height_set
                                         : height_set.CopyIncrementProposerPriority(content->round);
      if (content->proposer != round_set.ProposerIndex()) {
        return At(i, h) + "made by validator " + std::to_string(content->proposer) +
               ", but round " + std::to_string(content->round) + "'s proposer is validator " +
               std::to_string(round_set.ProposerIndex());
      }
      if (!b.precommits) return At(i, h) + "no commit";
      std::set<ValidatorIndex> signers;
      VotingPower power = 0;
      // The commit is the first set of +2/3 precommits recorded for the block (BlockRegistry),
      // so its round may be another node's commit round: one round, not before the proposal.
      if (b.precommits->empty()) return At(i, h) + "an empty commit";
      const Round commit_round = b.precommits->front().round;
      if (commit_round < content->round) {
        return At(i, h) + "the commit's round " + std::to_string(commit_round) +
               " is before the block's proposal";
      }
      for (const Vote& vote : *b.precommits) {
        if (vote.type != SignedMsgType::kPrecommit || vote.height != h ||
            vote.round != commit_round || !(vote.block_id == b.block_id) ||
            vote.validator_index < 0 || vote.validator_index >= genesis.Size() ||
            !signers.insert(vote.validator_index).second) {
          return At(i, h) + "the commit holds a vote of validator " +
                 std::to_string(vote.validator_index) + " that is not one precommit for the block "
                 "in round " + std::to_string(commit_round);
        }
        power += genesis.At(vote.validator_index).voting_power;
      }
      if (!genesis.IsTwoThirds(power)) {
        return At(i, h) + "the commit's precommits hold " + std::to_string(power) + " of " +
               std::to_string(genesis.TotalVotingPower()) + " voting power, not more than 2/3";
      }
      for (const TxId tx : content->txs) {
        if (tx < 1 || tx > txs_created) {
          return At(i, h) + "transaction " + std::to_string(tx) + " was never submitted";
        }
        if (!txs.insert(tx).second) {
          return At(i, h) + "transaction " + std::to_string(tx) + " is committed twice";
        }
      }
      for (const DuplicateVoteEvidence& ev : content->evidence) {
        const Vote& a = ev.vote_a;
        const Vote& c = ev.vote_b;
        if (a.validator_index != c.validator_index || a.height != c.height ||
            a.round != c.round || a.type != c.type || a.block_id == c.block_id) {
          return At(i, h) + "evidence against validator " + std::to_string(a.validator_index) +
                 " is not a double sign";
        }
        if (!evidence.insert({a.height, a.round, a.type, a.validator_index}).second) {
          return At(i, h) + "evidence of validator " + std::to_string(a.validator_index) +
                 "'s double sign at height " + std::to_string(a.height) + ", round " +
                 std::to_string(a.round) + " is committed twice";
        }
      }
    }
  }
  return "";
}

}  // namespace

Verdict CheckTendermint(const std::string& yaml, DurationNs faults_end,
                        const CheckOptions& options) {
  Verdict v;
  PEERLAB_ASSERT(!options.assert_for_tests);
  auto scenario = scenario::ParseScenario(yaml, "explore.yaml", "", {});
  if (!scenario.ok()) return Fail(v, "valid-scenario", scenario.status().message());
  if (scenario->protocol != "tendermint") {
    return Fail(v, "valid-scenario", "protocol.kind is not tendermint");
  }
  tendermint::SimSpec spec = scenario->tendermint;
  spec.threads = 1;
  auto built = tendermint::Simulation::Build(spec, nullptr);
  if (!built.ok()) return Fail(v, "valid-scenario", built.status().message());
  tendermint::Simulation& s = **built;
  // Validity of what honest nodes committed so far, at a checkpoint every 10 s (agreement is
  // checked at every commit by the family itself), then at the end.
  for (TimeNs at = kCheckpointEvery; at < s.engine().end_at() && v.checkpoints < kMaxCheckpoints;
       at += kCheckpointEvery) {
    s.RunEventsUntil(at);
    if (s.engine().end_at() < at) break;  // it ended in this stretch: the end's checks follow
    if (std::string invalid = CheckValidity(s, s.transactions_created()); !invalid.empty()) {
      v.sim_time_s = static_cast<double>(s.engine().now()) / 1e9;
      v.events = s.engine().events_processed();
      return Fail(v, "validity", invalid + " (at a checkpoint, " + Seconds(s.engine().now()) + ")");
    }
    ++v.checkpoints;
  }
  const Status run = s.Run();
  const tendermint::RunReport& r = s.report();
  const sim::Engine& engine = s.engine();
  v.sim_time_s = static_cast<double>(engine.now()) / 1e9;
  v.events = engine.events_processed();
  const auto faults = engine.ReportMessageFaults();
  if (faults) v.faults_injected = faults->dropped + faults->duplicated + faults->delayed;
  v.faults_injected += spec.events.size() / 2;

  std::string state = std::to_string(v.events) + "/" + std::to_string(engine.now());
  TimeNs last_commit = -1;
  for (const tendermint::HeightRow& h : r.heights) {
    state += "/" + std::to_string(h.height) + ":" + std::to_string(h.round) + ":" +
             std::to_string(h.first_commit_at);
    last_commit = std::max(last_commit, h.first_commit_at);
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(state.data());
  v.digest = Sha256({bytes, state.size()}).ToDigestHex().substr(0, 32);

  // Agreement: byzantine validators hold less than a third of the power (the generator's
  // rule), so no two nodes may commit different blocks at a height (the family checks it at
  // every commit and stops the run when it breaks).
  if (!r.safety_violation.empty() || !run.ok()) {
    return Fail(v, "agreement", !r.safety_violation.empty() ? r.safety_violation : run.message());
  }
  std::uint64_t txs_created = 0;
  for (const tendermint::TxClassReport& c : r.tx_classes) txs_created += c.created;
  if (std::string invalid = CheckValidity(s, txs_created); !invalid.empty()) {
    return Fail(v, "validity", invalid);
  }
  // Evidence: a double sign an honest validator saw is in a committed block once three heights
  // were proposed after it (and after the last fault, with 10 s for the evidence's gossip):
  // every honest validator gossips what it detects and proposes its pending evidence. A lost
  // message closes its connection within 105 s (the next ping, lost behind the hole, and 45 s
  // for its pong) and the reconnection sends again: with drops the count starts 2 min after the
  // last fault.
  {
    const bool dropped = faults && faults->dropped > 0;
    const TimeNs settled = faults_end + (dropped ? 2 * kMinute : 0);
    for (const tendermint::EquivocationRow& e : r.equivocations) {
      if (e.seen_by_honest_validator_at < 0 || e.evidence_in > 0) continue;
      const TimeNs from = std::max<TimeNs>(e.seen_by_honest_validator_at, settled) + 10 * kSecond;
      int later = 0;
      for (const tendermint::HeightRow& h : r.heights) later += h.proposed_at > from;
      if (later >= 3) {
        return Fail(v, "evidence",
                    "validator " + std::to_string(e.validator) + "'s double sign at height " +
                        std::to_string(e.height) + ", seen by an honest validator at " +
                        Seconds(e.seen_by_honest_validator_at) + ", is in no committed block, "
                        "though " + std::to_string(later) + " heights were proposed from " +
                        Seconds(from) + " on");
      }
    }
  }
  // Liveness: unless every height was committed, one is committed within the bound after the
  // last fault (the run's stop time).
  v.recovery_checked = true;
  if (r.heights_committed < spec.stop_heights &&
      last_commit <= faults_end) {
    return Fail(v, "liveness",
                std::to_string(r.heights_committed) + " of " + std::to_string(spec.stop_heights) +
                    " heights committed, the last at " +
                    (last_commit < 0 ? std::string("none") : Seconds(last_commit)) +
                    ", none after the last fault ended at " + Seconds(faults_end) +
                    " (run ended at " + Seconds(engine.now()) + ")");
  }
  return v;
}

}  // namespace peerlab::explore
