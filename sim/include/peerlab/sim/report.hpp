// SimReport: what a run measured, in plain data, ready for the results writers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/protocol/block_store.hpp"
#include "peerlab/sim/network_events.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

// Reach thresholds tracked per block, as shares of all nodes.
inline constexpr std::array<double, 4> kReachShares = {0.5, 0.9, 0.99, 1.0};

struct BlockProgress {
  std::uint32_t nodes_with_block = 0;
  std::array<TimeNs, 4> reached_at = {-1, -1, -1, -1};  // per kReachShares; -1: never
};

struct BlockRow {
  protocol::BlockHandle handle = 0;
  std::string id_hex;
  std::uint32_t height = 0;
  std::string parent_hex;
  std::uint32_t miner_node = 0;
  std::uint32_t miner_group = 0;
  TimeNs found_at = 0;
  bool main_chain = false;
  std::uint32_t size_bytes = 0;
  std::array<std::optional<double>, 4> reach_s;  // seconds from mining to each kReachShares
};

struct GroupReport {
  std::string name;
  double hashrate = 0;
  std::uint32_t nodes = 0;
  std::uint32_t blocks_mined = 0;
  std::uint32_t blocks_main = 0;
  std::optional<double> revenue_share;  // blocks_main / main-chain blocks; null if none
};

// Nearest-rank summary of a sample; all null when the sample is empty.
struct Distribution {
  std::optional<double> mean, p50, p90, p99;
};
Distribution Summarize(std::vector<double> values);

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

struct SimReport {
  std::uint32_t nodes = 0;
  TimeNs sim_time = 0;
  std::uint64_t events = 0;
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
  std::uint64_t disconnects = 0;   // connections closed (by a node or by the network)
  std::uint64_t punishments = 0;   // misbehaviour scores given, all nodes
  std::uint64_t evictions = 0;     // inbound peers evicted to make room
  std::uint64_t connection_attempts = 0;  // outbound connections nodes tried to open
  std::uint64_t failed_connections = 0;   // of which nobody answered or the remote refused
  std::uint64_t feelers = 0;       // of the attempts, feeler probes
  std::vector<GroupReport> groups;
  std::vector<BlockRow> blocks;  // mined blocks in mining order (genesis excluded)
  bool tx_workload = false;
  std::uint32_t txs_created = 0;
  std::uint32_t txs_confirmed = 0;
  std::vector<TxClassReport> tx_classes;
  std::vector<PartitionReport> partitions;  // in the order they started
};

}  // namespace peerlab::sim
