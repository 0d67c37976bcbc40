#include <algorithm>

#include "peerlab/sim/simulation.hpp"

namespace peerlab::sim {
namespace {

std::optional<double> Median(std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  if (values.size() % 2 == 1) return values[mid];
  return (values[mid - 1] + values[mid]) / 2.0;
}

}  // namespace

SimReport Simulation::Report() const {
  using protocol::BlockHandle;
  SimReport r;
  r.nodes = node_count();
  r.sim_time = now_;
  r.events = events_;
  r.blocks_mined = blocks_mined_;
  r.reorgs = reorgs_;
  r.max_reorg_depth = max_reorg_depth_;

  // The main chain ends at the most-work tip any node holds; ties go to the tip more nodes
  // hold, then to the block mined first.
  std::vector<std::uint32_t> holders(store_.size(), 0);
  for (const auto& node : nodes_) ++holders[node.tip()];
  BlockHandle main_tip = protocol::kGenesis;
  for (BlockHandle h = 0; h < store_.size(); ++h) {
    if (holders[h] == 0) continue;
    const auto& best = store_.Get(main_tip);
    const auto& cand = store_.Get(h);
    if (cand.chain_work > best.chain_work ||
        (cand.chain_work == best.chain_work && holders[h] > holders[main_tip])) {
      main_tip = h;
    }
  }
  std::vector<bool> on_main(store_.size(), false);
  for (BlockHandle h = main_tip; h != protocol::kNoBlock; h = store_.Get(h).parent) on_main[h] = true;
  r.main_tip_height = store_.Get(main_tip).height;

  r.groups.resize(config_.groups.size());
  for (std::size_t g = 0; g < config_.groups.size(); ++g) {
    r.groups[g] = {config_.groups[g].name, config_.groups[g].hashrate,
                   static_cast<std::uint32_t>(group_nodes_[g].size()), 0, 0, std::nullopt};
  }

  std::array<std::vector<double>, 3> reach_samples;
  r.blocks.reserve(store_.size() - 1);
  for (BlockHandle h = 1; h < store_.size(); ++h) {
    const auto& rec = store_.Get(h);
    const BlockProgress& bp = block_progress_[h];
    BlockRow row;
    row.handle = h;
    row.id_hex = rec.id.ToHex();
    row.height = rec.height;
    row.parent_hex = store_.Get(rec.parent).id.ToHex();
    row.miner_node = rec.miner;
    row.miner_group = node_group_[rec.miner];
    row.found_at = rec.found_at;
    row.main_chain = on_main[h];
    row.size_bytes = rec.size_bytes;
    for (std::size_t k = 0; k < kReachShares.size(); ++k) {
      if (bp.reached_at[k] >= 0) {
        row.reach_s[k] = ToSeconds(bp.reached_at[k] - rec.found_at);
        if (k < reach_samples.size()) reach_samples[k].push_back(*row.reach_s[k]);
      }
    }
    GroupReport& gr = r.groups[row.miner_group];
    ++gr.blocks_mined;
    if (row.main_chain) {
      ++gr.blocks_main;
      ++r.blocks_main;
    }
    r.blocks.push_back(std::move(row));
  }
  PEERLAB_ASSERT(r.blocks.size() == blocks_mined_);
  r.blocks_stale = r.blocks_mined - r.blocks_main;
  if (r.blocks_mined > 0) r.stale_rate = static_cast<double>(r.blocks_stale) / r.blocks_mined;
  for (GroupReport& gr : r.groups) {
    if (r.blocks_main > 0) gr.revenue_share = static_cast<double>(gr.blocks_main) / r.blocks_main;
  }
  r.propagation_p50_s = Median(reach_samples[0]);
  r.propagation_p90_s = Median(reach_samples[1]);
  r.propagation_p99_s = Median(reach_samples[2]);
  return r;
}

}  // namespace peerlab::sim
