// SimReport: what a run measured, in plain data, ready for the results writers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/sim/distribution.hpp"
#include "peerlab/sim/engine.hpp"
#include "peerlab/sim/network_events.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

// Reach thresholds tracked per block, as shares of all nodes.
inline constexpr std::array<double, 4> kReachShares = {0.5, 0.9, 0.99, 1.0};

struct BlockProgress {
  std::uint32_t nodes_with_block = 0;
  std::array<TimeNs, 4> reached_at = {-1, -1, -1, -1};  // per kReachShares; -1: never
};

// One node accepting one block (reach.csv; outputs: reach).
struct BlockArrival {
  bitcoin::BlockHandle block = 0;
  std::uint32_t node = 0;
  TimeNs at = 0;
};

struct BlockRow {
  bitcoin::BlockHandle handle = 0;
  std::string id_hex;
  std::uint32_t height = 0;
  std::string parent_hex;
  std::uint32_t miner_node = 0;
  std::uint32_t miner_group = 0;
  TimeNs found_at = 0;
  bool main_chain = false;
  std::uint32_t size_bytes = 0;
  std::array<std::optional<double>, 4> reach_s;
  std::optional<std::uint32_t> partition_side;  // miner's side, if a partition was in effect  // seconds from mining to each kReachShares
};

// What a strategy group achieved (summary.json `adversaries.<group>`); which fields apply
// depends on the strategy.
struct AdversaryReport {
  std::string kind;  // strategy kind as named in the scenario
  // Blocks of the other groups, and of this one, that ended off the main chain.
  std::uint32_t blocks_orphaned = 0;
  std::uint32_t own_blocks_orphaned = 0;
  // Selfish mining and its stubborn variants.
  std::uint32_t blocks_withheld = 0;
  std::uint32_t races = 0;
  std::uint32_t overrides = 0;
  std::uint32_t race_blocks_on_attacker = 0;  // honest blocks mined on our tying block
  std::uint32_t race_blocks_on_rival = 0;     // ... on the honest block it tied
  std::optional<double> observed_gamma;
  std::uint32_t rushing_links = 0;
  std::optional<double> rushing_honest_share;  // share of honest hashrate they reach
  // Double spend: attempts that ended (published or given up), and the published ones whose
  // payment block ended off the main chain.
  std::uint32_t attempts = 0;
  std::uint32_t published = 0;
  std::uint32_t successes = 0;
  std::optional<double> success_rate;
  // Censor.
  std::uint32_t censored_txs = 0;  // transactions of the class that reached every censor
  Distribution censored_tx_delay_blocks;
  Distribution censored_tx_delay_s;
  std::optional<double> never_included_share;
  std::uint32_t fork_blocks = 0;
  // Black hole.
  std::uint64_t blocks_not_relayed = 0;
  std::uint64_t blocks_delayed = 0;
  std::uint64_t txs_not_relayed = 0;
  // Eclipse (sim/src/eclipse.cpp).
  std::uint32_t victim = 0;
  double restart_at_s = 0;
  std::optional<double> eclipsed_at_s;  // first time after the restart: all outbound are ours
  std::uint32_t victim_outbound = 0;    // established outbound connections at the end
  std::optional<double> victim_outbound_attacker_share;  // ... leading to the attacker
  // The victim's address manager when it went down: shares of its new and tried entries that
  // are attacker addresses, and of its new entries that are trash.
  std::optional<double> addrman_attacker_share_new;
  std::optional<double> addrman_attacker_share_tried;
  std::optional<double> addrman_trash_share_new;
  std::uint64_t attacker_connections = 0;  // opened to the victim from attacker addresses
  std::uint64_t victim_connections_to_attacker = 0;  // attempts of the victim that reached it
  std::uint64_t flood_messages = 0;
};

// Nodes leaving and coming back, connections failing (summary.json `churn`).
struct PartitionSideReport {
  std::uint32_t nodes = 0;
  double hashrate = 0;               // share of total hashrate on this side
  std::uint32_t blocks_mined = 0;    // by this side's nodes while the partition lasted
  std::uint32_t blocks_orphaned = 0;  // of those, how many ended off the main chain
};

struct PartitionReport {
  TimeNs at = 0;
  std::optional<TimeNs> healed_at;  // unset: still in effect when the run ended
  PartitionMode mode = PartitionMode::kDrop;
  std::vector<PartitionSideReport> sides;
  // From the heal until every node had the same tip for the first time; unset if never.
  std::optional<DurationNs> time_to_consistency;
};


struct GroupReport {
  std::string name;
  double hashrate = 0;
  std::uint32_t nodes = 0;
  std::uint32_t blocks_mined = 0;
  std::uint32_t blocks_main = 0;
  std::optional<double> revenue_share;  // blocks_main / main-chain blocks; null if none
  std::optional<AdversaryReport> adversary;  // set for groups with a strategy
};


struct TxClassReport {
  std::string name;
  std::uint32_t created = 0;
  std::uint32_t included = 0;  // in a main-chain block
  std::optional<double> included_share;
  Distribution reach_50_s;  // per tx: time from creation until half the nodes have it
  Distribution reach_90_s;
  Distribution inclusion_delay_s;       // creation -> mining of the main-chain block holding it
  Distribution inclusion_delay_blocks;  // main-chain blocks found after creation, up to it
};

// One transaction of the workload (transactions.csv).
struct TxRow {
  std::string id_hex;
  std::uint16_t tx_class = 0;
  std::uint32_t origin = 0;
  TimeNs created_at = 0;
  std::uint32_t size_bytes = 0;
  std::uint64_t fee_sat = 0;
  std::optional<double> reach_50_s, reach_90_s;  // from creation; null: never reached
  std::optional<std::uint32_t> included_height;  // main-chain block holding it
  std::optional<double> inclusion_delay_s;
  std::optional<std::uint32_t> inclusion_delay_blocks;
};

// One open connection; `source` opened it.
// The engine's connection class of Bitcoin's block-relay-only connections (edges.csv names
// the classes: runner/src/topology_output.cpp).
inline constexpr std::uint8_t kBlockRelayOnlyClass = 1;

struct NodeRow {
  std::uint32_t region;
  std::uint32_t as;
  std::uint32_t group;
  double hashrate;  // share of total hashrate
  bool online;
};

struct SimReport {
  std::uint32_t nodes = 0;
  TimeNs sim_time = 0;
  std::uint64_t events = 0;
  std::uint32_t threads = 1;  // the engine ran on (run.json's perf; never a result)
  std::uint32_t shards = 1;   // the nodes were split into (run.json's perf; never a result)
  std::uint64_t network_events = 0;  // of the packet simulator (ns-3 backend), else 0
  std::vector<std::pair<std::string, std::uint64_t>> network_counters;  // Transport's
  std::uint32_t blocks_mined = 0;
  std::uint32_t blocks_main = 0;  // main-chain blocks after genesis
  std::uint32_t blocks_stale = 0;
  std::optional<double> stale_rate;
  // Median over blocks of the time from mining to 50 / 90 / 99 % of nodes (blocks that got
  // that far); null when no block did.
  std::optional<double> propagation_p50_s, propagation_p90_s, propagation_p99_s;
  std::uint64_t reorgs = 0;  // tip switches to a branch that does not extend the old tip, all nodes
  std::uint32_t max_reorg_depth = 0;
  std::vector<std::uint64_t> reorg_depth_counts;  // index: blocks disconnected (0 unused)
  std::uint32_t main_tip_height = 0;
  // Share of main-chain blocks mined by groups without a strategy; null without main blocks.
  std::optional<double> chain_quality;
  std::uint64_t disconnects = 0;   // connections closed (by a node or by the network)
  std::uint64_t punishments = 0;   // misbehaviour scores given, all nodes
  std::uint64_t evictions = 0;     // inbound peers evicted to make room
  std::uint64_t connection_attempts = 0;  // outbound connections nodes tried to open
  std::uint64_t failed_connections = 0;   // of which nobody answered or the remote refused
  std::uint64_t feelers = 0;       // of the attempts, feeler probes
  std::vector<GroupReport> groups;
  std::vector<BlockRow> blocks;  // mined blocks in mining order (genesis excluded)
  // The connection graph at the end, and at SimConfig::topology_snapshots within the run.
  std::vector<EdgeRow> final_edges;
  std::vector<TopologySnapshot> snapshots;
  std::vector<NodeRow> node_rows;  // per node, at the end
  bool tx_workload = false;
  std::uint32_t txs_created = 0;
  std::uint32_t txs_confirmed = 0;
  std::vector<TxClassReport> tx_classes;
  std::vector<TxRow> txs;  // every transaction created, in creation order
  std::optional<ChurnReport> churn;  // set when the scenario has churn
  std::optional<MessageFaultReport> network_faults;  // set when the scenario has message faults
  std::vector<PartitionReport> partitions;  // in the order they started
  // With Simulation::RecordBlockArrivals: every block acceptance, in the order observed.
  std::vector<BlockArrival> block_arrivals;
};

}  // namespace peerlab::sim
