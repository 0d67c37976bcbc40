// What a Tendermint run measures: per height, who proposed, in which round it committed and
// when each share of the nodes had committed it; over the run, latencies, rounds, timeouts,
// equivocations and traffic. The runner maps RunReport onto summary.json's `consensus` and
// heights.csv (docs/tendermint.md, "Results").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "peerlab/sim/distribution.hpp"
#include "peerlab/sim/engine.hpp"
#include "peerlab/tendermint/block_registry.hpp"
#include "peerlab/tendermint/node_io.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::tendermint {

struct HeightRow {
  Height height = 0;
  Round round = 0;                 // the round whose block committed
  ValidatorIndex proposer = -1;    // of that round's block
  std::string proposer_group;      // the proposer's group (set by the simulation)
  TimeNs proposed_at = -1;         // when its proposer made it
  TimeNs first_commit_at = -1;
  // Time from the proposal until 50 / 90 / 99 % / all of the counted nodes had committed; -1
  // when that share was never reached.
  DurationNs to_50 = -1, to_90 = -1, to_99 = -1, to_all = -1;
  std::uint32_t committed_by = 0;  // counted nodes that committed it
  std::uint32_t txs = 0;
  std::uint32_t evidence = 0;
  std::uint32_t bytes = 0;
};

// One transaction class of the workload (summary.json `transactions.classes.<name>`).
struct TxClassReport {
  std::string name;
  std::uint64_t created = 0;
  std::uint64_t included = 0;  // in a committed block
  std::optional<double> included_share;
  sim::Distribution inclusion_delay_s;        // creation -> first commit of its block
  sim::Distribution inclusion_delay_heights;  // heights first committed after creation, up to its own
};

// One partition of the run (summary.json `partitions[i]`): when, its sides' nodes and voting
// power, and what it did to commits: heights first committed while it held, and the time from
// its heal to the first commit after it (liveness after a heal; null if none came).
struct PartitionSideRow {
  std::uint32_t nodes = 0;
  double voting_power = 0;  // share of the total held by its nodes (a split pair of twins: both)
};
struct PartitionRow {
  TimeNs at = 0;
  std::optional<TimeNs> healed_at;
  bool drop = true;  // `drop` (else `delay`)
  std::vector<PartitionSideRow> sides;
  std::uint32_t heights_during = 0;
  std::optional<DurationNs> heal_to_commit;
};

// A double sign (a validator's two votes for different blocks at one height, round and step)
// that some node detected: when an honest validator first saw it, and the height whose block
// first carried its evidence. `peerlab explore` checks that evidence seen by an honest
// validator gets committed.
struct EquivocationRow {
  Height height = 0;
  ValidatorIndex validator = -1;
  TimeNs seen_by_honest_validator_at = -1;  // -1: no honest validator saw it
  Height evidence_in = 0;                   // 0: in no committed block by the run's end
};

struct RunReport {
  std::vector<HeightRow> heights;
  std::vector<EquivocationRow> equivocations;  // by (height, validator)
  std::vector<PartitionRow> partitions;
  std::optional<sim::ChurnReport> churn;  // set when the scenario has churn
  std::optional<sim::MessageFaultReport> network_faults;  // set when it has message faults
  // Connections closed by MConnection's keep-alive (a pong not back 45 s after its ping).
  std::uint64_t pong_timeouts = 0;
  bool tx_workload = false;
  std::vector<TxClassReport> tx_classes;
  Height heights_committed = 0;       // by every counted node
  Height max_height_committed = 0;    // by any node
  // Medians over heights of to_50 / to_90 / to_99 (seconds); nullopt with no height.
  std::optional<double> latency_p50_s, latency_p90_s, latency_p99_s;
  double rounds_mean = 0;
  Round rounds_max = 0;
  std::uint64_t timeouts_propose = 0, timeouts_prevote = 0, timeouts_precommit = 0;
  std::uint64_t equivocations_detected = 0;   // distinct (height, validator) double signs seen
  std::uint64_t equivocations_committed = 0;  // distinct ones in committed blocks
  std::uint64_t messages = 0, message_bytes = 0;      // consensus, mempool, evidence messages
  std::uint64_t batches = 0, wire_bytes = 0;          // MConnection flushes and their bytes
  double messages_per_node_height = 0, bytes_per_node_height = 0;
  std::uint64_t events = 0;
  TimeNs end_time = 0;
  std::uint32_t counted_nodes = 0;  // nodes that run (not silent)
  std::string safety_violation;     // empty: agreement held
};

// Collects observations as they happen and builds the report at the end.
class MetricsCollector {
 public:
  // `counted[i]`: node i's commits count towards the reach shares.
  void Reset(std::vector<bool> counted);
  void Proposed(TimeNs at, const observe::Proposed& p, ValidatorIndex proposer);
  void Committed(TimeNs at, std::uint32_t node, const observe::Committed& c);
  void Timeout(const observe::TimeoutFired& t);
  // `honest_validator`: the node that saw it is an honest validator.
  void Equivocation(TimeNs at, bool honest_validator, const observe::EquivocationSeen& e);
  // The first commit of height `in` carries evidence of the double sign (height, validator).
  void CommittedEvidence(Height in, Height height, ValidatorIndex validator);
  // The transaction workload: its class names (index = class), each transaction as it is
  // created (ids 1, 2, ... in order), and each height's transactions at its first commit.
  void TxClasses(std::vector<std::string> names);
  void TxCreated(TxId id, TimeNs at, std::uint16_t tx_class);
  void HeightFirstCommitted(Height height, TimeNs at, const std::vector<TxId>& txs);
  void Message(std::uint32_t bytes) {
    ++messages_;
    message_bytes_ += bytes;
  }
  void Batch(std::uint64_t wire_bytes) {
    ++batches_;
    wire_bytes_ += wire_bytes;
  }
  RunReport Finish(TimeNs end, std::uint64_t events) const;

 private:
  struct ProposalInfo {
    TimeNs at;
    ValidatorIndex proposer;
  };
  struct HeightInfo {
    Round round = -1;
    BlockId block_id;
    std::uint32_t txs = 0, evidence = 0;
    std::vector<TimeNs> commit_times;  // of counted nodes, in commit order
  };
  std::vector<bool> counted_;
  std::uint32_t counted_count_ = 0;
  std::map<BlockId, ProposalInfo> proposals_;
  std::map<BlockId, std::uint32_t> block_bytes_;
  std::vector<HeightInfo> heights_;  // index = height - 1
  std::uint64_t timeouts_[3] = {0, 0, 0};
  // Detected double signs: when an honest validator first saw each (-1: none did).
  std::map<std::pair<Height, ValidatorIndex>, TimeNs> equivocations_;
  // Committed evidence: the height whose block first carried it.
  std::map<std::pair<Height, ValidatorIndex>, Height> committed_evidence_;
  std::uint64_t messages_ = 0, message_bytes_ = 0, batches_ = 0, wire_bytes_ = 0;
  struct TxInfo {
    TimeNs created_at;
    std::uint16_t tx_class;
    Height included_height = 0;  // 0: not in a committed block
    TimeNs included_at = -1;
  };
  std::vector<std::string> tx_class_names_;  // empty: no workload
  std::vector<TxInfo> txs_;                  // index = id - 1
  std::vector<TimeNs> first_commit_at_;      // index = height - 1
  void FinishTransactions(RunReport& r) const;
};

}  // namespace peerlab::tendermint
