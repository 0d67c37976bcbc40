// SimReport: what a run measured, in plain data, ready for the results writers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/protocol/block_store.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

// Reach thresholds tracked per block, as shares of all nodes.
inline constexpr std::array<double, 4> kReachShares = {0.5, 0.9, 0.99, 1.0};

struct BlockProgress {
  std::uint32_t nodes_with_block = 0;
  std::array<TimeNs, 4> reached_at = {-1, -1, -1, -1};  // per kReachShares; -1: never
};

struct BlockRow {
  protocol::BlockHandle handle;
  std::string id_hex;
  std::uint32_t height;
  std::string parent_hex;
  std::uint32_t miner_node;
  std::uint32_t miner_group;
  TimeNs found_at;
  bool main_chain;
  std::uint32_t size_bytes;
  std::array<std::optional<double>, 4> reach_s;  // seconds from mining to each kReachShares
};

struct GroupReport {
  std::string name;
  double hashrate;
  std::uint32_t nodes;
  std::uint32_t blocks_mined;
  std::uint32_t blocks_main;
  std::optional<double> revenue_share;  // blocks_main / main-chain blocks; null if none
};

struct SimReport {
  std::uint32_t nodes;
  TimeNs sim_time;
  std::uint64_t events;
  std::uint32_t blocks_mined;
  std::uint32_t blocks_main;  // main-chain blocks after genesis
  std::uint32_t blocks_stale;
  std::optional<double> stale_rate;
  // Median over blocks of the time from mining to 50 / 90 / 99 % of nodes (blocks that got
  // that far); null when no block did.
  std::optional<double> propagation_p50_s, propagation_p90_s, propagation_p99_s;
  std::uint64_t reorgs;  // tip switches to a branch that does not extend the old tip, all nodes
  std::uint32_t max_reorg_depth;
  std::uint32_t main_tip_height;
  std::vector<GroupReport> groups;
  std::vector<BlockRow> blocks;  // mined blocks in mining order (genesis excluded)
};

}  // namespace peerlab::sim
