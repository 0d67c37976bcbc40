// summary.json and run.json, declared once (docs/design.md §6): the key names that writers and
// readers share, and the parts every backend writes alike. Simulated runs (runner/) and
// `peerlab testbed` write through SummaryWriter and WriteManifestHead; `peerlab analyze` reads
// with these names. What only one backend knows (the engine's reorg histogram, partitions,
// transactions, adversaries; the testbed's `testbed` block) its writer puts under the
// section keys below.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "peerlab/results/json.hpp"

namespace peerlab::results {

namespace summary {
inline constexpr std::string_view kFile = "summary.json";
// Top-level keys: the head, written by SummaryWriter's constructor ...
inline constexpr std::string_view kScenario = "scenario";
inline constexpr std::string_view kSeed = "seed";
inline constexpr std::string_view kBackend = "backend";
inline constexpr std::string_view kNodes = "nodes";
inline constexpr std::string_view kSimTimeS = "sim_time_s";
inline constexpr std::string_view kBlocks = "blocks";
inline constexpr std::string_view kPropagationS = "propagation_s";
// ... then the sections, in this order.
inline constexpr std::string_view kReorgs = "reorgs";
inline constexpr std::string_view kPeers = "peers";
inline constexpr std::string_view kPartitions = "partitions";
inline constexpr std::string_view kGroups = "groups";
inline constexpr std::string_view kTransactions = "transactions";
inline constexpr std::string_view kChainQuality = "chain_quality";
inline constexpr std::string_view kChurn = "churn";
inline constexpr std::string_view kAdversaries = "adversaries";
inline constexpr std::array<std::string_view, 8> kSections = {
    kReorgs, kPeers, kPartitions, kGroups, kTransactions, kChainQuality, kChurn, kAdversaries};
// Backend-specific extension after the sections (`peerlab testbed`).
inline constexpr std::string_view kTestbed = "testbed";
// After the sections (every family), only when the scenario has message faults:
// {dropped, duplicated, delayed}.
inline constexpr std::string_view kNetworkFaults = "network_faults";

// partitions[i]
inline constexpr std::string_view kAtS = "at_s";
inline constexpr std::string_view kHealedAtS = "healed_at_s";
inline constexpr std::string_view kMode = "mode";
inline constexpr std::string_view kSides = "sides";
inline constexpr std::string_view kTimeToConsistencyS = "time_to_consistency_s";
// partitions[i].sides[j] (and groups.<name>: kNodes, kHashrate, kBlocksMined)
inline constexpr std::string_view kHashrate = "hashrate";
inline constexpr std::string_view kBlocksMined = "blocks_mined";
inline constexpr std::string_view kBlocksOrphaned = "blocks_orphaned";
// transactions.classes.<name>
inline constexpr std::string_view kClasses = "classes";
inline constexpr std::string_view kCreated = "created";
inline constexpr std::string_view kIncludedShare = "included_share";
inline constexpr std::string_view kInclusionDelayS = "inclusion_delay_s";
inline constexpr std::string_view kInclusionDelayBlocks = "inclusion_delay_blocks";
// protocol.kind tendermint: the head (kScenario ... kSimTimeS, with kProtocol after kBackend),
// then kConsensus, kPartitions (only with partitions), kTransactions (null without a workload; its classes.<name> with
// kCreated, kIncluded, kIncludedShare, kNeverIncludedShare, kInclusionDelayS and
// kInclusionDelayHeights).
inline constexpr std::string_view kProtocol = "protocol";
inline constexpr std::string_view kConsensus = "consensus";
inline constexpr std::string_view kIncluded = "included";
inline constexpr std::string_view kNeverIncludedShare = "never_included_share";
inline constexpr std::string_view kInclusionDelayHeights = "inclusion_delay_heights";
namespace consensus {
inline constexpr std::string_view kValidators = "validators";
inline constexpr std::string_view kHeightsCommitted = "heights_committed";
inline constexpr std::string_view kMaxHeight = "max_height";
inline constexpr std::string_view kCommitLatencyS = "commit_latency_s";  // {p50, p90, p99}
inline constexpr std::string_view kRoundsPerHeight = "rounds_per_height";  // {mean, max}
inline constexpr std::string_view kTimeouts = "timeouts";  // {propose, prevote, precommit}
inline constexpr std::string_view kEquivocations = "equivocations";  // {detected, committed}
inline constexpr std::string_view kPerNodePerHeight = "per_node_per_height";  // {messages, bytes}
inline constexpr std::string_view kTransactionsCommitted = "transactions_committed";
inline constexpr std::string_view kSafetyViolation = "safety_violation";  // null or the message
// partitions[i] (after kConsensus, only with partitions): kAtS, kHealedAtS, kMode, kSides
// ({kNodes, kVotingPower}), then these two.
inline constexpr std::string_view kVotingPower = "voting_power";
inline constexpr std::string_view kHeightsDuring = "heights_during";
inline constexpr std::string_view kHealToCommitS = "heal_to_commit_s";  // null: none came
}  // namespace consensus
// A distribution: {mean, p50, p90, p99}.
inline constexpr std::array<std::string_view, 4> kDistribution = {"mean", "p50", "p90", "p99"};
}  // namespace summary

// The head of summary.json, alike for every backend.
struct SummaryHead {
  std::string_view scenario;
  std::uint64_t seed = 0;
  std::string_view backend;
  std::uint64_t nodes = 0;
  double sim_time_s = 0;  // the testbed: wall-clock seconds the daemons ran
  std::uint64_t blocks_mined = 0;
  std::uint64_t blocks_main = 0;
  std::uint64_t blocks_stale = 0;
  std::optional<double> stale_rate;
  std::uint64_t main_tip_height = 0;
  std::optional<double> propagation_p50_s, propagation_p90_s, propagation_p99_s;
};

// groups.<name>
struct SummaryGroup {
  std::string_view name;
  double hashrate = 0;
  std::uint64_t nodes = 0;
  std::uint64_t blocks_mined = 0;
  std::uint64_t blocks_main = 0;
  std::optional<double> revenue_share;
};

// Writes summary.json in contract order. The constructor writes the head; Section(key) writes
// the key of the next section, which must be `key` (asserted: summary::kSections order), and
// the caller writes its value through json(); Groups writes the groups section whole.
// Extension keys come after the last section; Finish asserts every section was written.
class SummaryWriter {
 public:
  explicit SummaryWriter(const SummaryHead& head);
  JsonWriter& Section(std::string_view key);
  void Groups(std::span<const SummaryGroup> groups);
  JsonWriter& Extension(std::string_view key);
  JsonWriter& json() { return w_; }
  std::string Finish();

 private:
  JsonWriter w_;
  std::size_t next_ = 0;  // index into summary::kSections
};

// A distribution object {mean, p50, p90, p99} (nulls for an empty sample).
struct DistributionValues {
  std::optional<double> mean, p50, p90, p99;
};
void WriteDistribution(JsonWriter& w, const DistributionValues& d);

// run.json's first keys, alike for every backend: peerlab_version, git_commit, scenario_file,
// scenario_sha256 (of `scenario_text`), seed, overrides, backend, resolved_scenario, wall_s.
// The caller has opened the object and adds its own keys after these (perf, testbed, ...).
// `peerlab_version` is what RunDirectory recognises a peerlab run by.
struct ManifestHead {
  std::string_view scenario_file;
  std::string_view scenario_text;
  std::uint64_t seed = 0;
  std::span<const std::string> overrides;
  std::string_view backend;
  std::string_view resolved_json;
  double wall_s = 0;
};
inline constexpr std::string_view kManifestFile = "run.json";
inline constexpr std::string_view kResolvedScenario = "resolved_scenario";
void WriteManifestHead(JsonWriter& w, const ManifestHead& head);
// Written into a run directory by `peerlab analyze RUN_DIR` (commands/), read by `peerlab report`.
inline constexpr std::string_view kAnalysisFile = "analysis.json";

}  // namespace peerlab::results
