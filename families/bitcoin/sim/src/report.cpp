#include <algorithm>
#include <cmath>

#include "peerlab/bitcoin/sim/simulation.hpp"

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
  using bitcoin::BlockHandle;
  SimReport r;
  r.nodes = node_count();
  r.sim_time = now();
  r.events = events_processed();
  r.threads = engine_->threads();
  r.shards = std::max(1u, engine_->shard_count());
  if (const Transport* t = engine_->transport()) {
    r.network_events = t->network_events();
    r.network_counters = t->network_counters();
  }
  r.blocks_mined = blocks_mined_;
  r.reorgs = reorgs_;
  r.max_reorg_depth = max_reorg_depth_;
  r.reorg_depth_counts = reorg_depths_;
  r.disconnects = engine_->disconnects();
  r.punishments = punishments_;
  r.evictions = evictions_;
  r.connection_attempts = engine_->connection_attempts();
  r.failed_connections = engine_->failed_connections();
  r.feelers = engine_->probes();
  if (config_.churn.enabled) r.churn = ReportChurn();
  r.network_faults = engine_->ReportMessageFaults();

  // The main chain ends at the most-work tip any node holds; ties go to the tip more nodes
  // hold, then to the block mined first.
  std::vector<std::uint32_t> holders(store_.size(), 0);
  for (const auto& node : nodes_) ++holders[node.tip()];
  BlockHandle main_tip = bitcoin::kGenesis;
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
  for (BlockHandle h = main_tip; h != bitcoin::kNoBlock; h = store_.Get(h).parent) on_main[h] = true;
  r.main_tip_height = store_.Get(main_tip).height;
  r.partitions = ReportPartitions(on_main);

  r.groups.resize(config_.groups.size());
  for (std::size_t g = 0; g < config_.groups.size(); ++g) {
    r.groups[g] = {config_.groups[g].name, config_.groups[g].hashrate,
                   static_cast<std::uint32_t>(group_nodes_[g].size()), 0, 0, std::nullopt, std::nullopt};
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
    row.partition_side = engine_->PartitionSideAt(rec.found_at, rec.miner);
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
  r.block_arrivals = arrivals_;
  if (r.blocks_mined > 0) r.stale_rate = static_cast<double>(r.blocks_stale) / r.blocks_mined;
  std::uint32_t honest_main = 0;
  for (std::size_t g = 0; g < r.groups.size(); ++g) {
    GroupReport& gr = r.groups[g];
    if (r.blocks_main > 0) gr.revenue_share = static_cast<double>(gr.blocks_main) / r.blocks_main;
    if (config_.groups[g].honest()) honest_main += gr.blocks_main;
  }
  if (r.blocks_main > 0) r.chain_quality = static_cast<double>(honest_main) / r.blocks_main;
  ReportAdversaries(r, on_main, main_tip);
  // Transactions: reach, and inclusion in the main chain.
  r.tx_workload = config_.node.tx_relay;
  if (r.tx_workload) {
    const std::size_t classes = config_.transactions.classes.size();
    std::vector<std::vector<double>> reach50(classes), reach90(classes), delay_s(classes),
        delay_blocks(classes);
    r.tx_classes.resize(classes);
    r.txs.reserve(tx_store_.size());
    for (std::size_t c = 0; c < classes; ++c) r.tx_classes[c].name = config_.transactions.classes[c].name;
    // Main-chain blocks by height, and where each transaction was included.
    std::vector<TimeNs> main_found_at;  // index: height - 1
    std::vector<BlockHandle> included_in(tx_store_.size(), bitcoin::kNoBlock);
    for (std::uint32_t height = 1; height <= r.main_tip_height; ++height) {
      const BlockHandle b = store_.Ancestor(main_tip, height);
      main_found_at.push_back(store_.Get(b).found_at);
      for (bitcoin::TxHandle t : store_.Get(b).txs) included_in[t] = b;
    }
    for (bitcoin::TxHandle t = 0; t < tx_store_.size(); ++t) {
      const auto& tx = tx_store_.Get(t);
      TxClassReport& cr = r.tx_classes[tx.tx_class];
      ++cr.created;
      ++r.txs_created;
      const TxProgress& tp = tx_progress_[t];
      TxRow& row = r.txs.emplace_back();
      row.id_hex = tx.id.ToHex();
      row.tx_class = tx.tx_class;
      row.origin = tx.origin;
      row.created_at = tx.created_at;
      row.size_bytes = tx.size_bytes;
      row.fee_sat = tx.fee_sat;
      if (tp.reached_at[0] >= 0) {
        row.reach_50_s = ToSeconds(tp.reached_at[0] - tx.created_at);
        reach50[tx.tx_class].push_back(*row.reach_50_s);
      }
      if (tp.reached_at[1] >= 0) {
        row.reach_90_s = ToSeconds(tp.reached_at[1] - tx.created_at);
        reach90[tx.tx_class].push_back(*row.reach_90_s);
      }
      if (included_in[t] == bitcoin::kNoBlock) continue;
      ++cr.included;
      ++r.txs_confirmed;
      const auto& block = store_.Get(included_in[t]);
      row.included_height = block.height;
      row.inclusion_delay_s = ToSeconds(block.found_at - tx.created_at);
      delay_s[tx.tx_class].push_back(*row.inclusion_delay_s);
      // Main-chain blocks already found when the transaction was created.
      const auto before = static_cast<std::uint32_t>(
          std::upper_bound(main_found_at.begin(), main_found_at.end(), tx.created_at) -
          main_found_at.begin());
      row.inclusion_delay_blocks = block.height - before;
      delay_blocks[tx.tx_class].push_back(static_cast<double>(block.height - before));
    }
    for (std::size_t c = 0; c < classes; ++c) {
      TxClassReport& cr = r.tx_classes[c];
      if (cr.created > 0) cr.included_share = static_cast<double>(cr.included) / cr.created;
      cr.reach_50_s = Summarize(std::move(reach50[c]));
      cr.reach_90_s = Summarize(std::move(reach90[c]));
      cr.inclusion_delay_s = Summarize(std::move(delay_s[c]));
      cr.inclusion_delay_blocks = Summarize(std::move(delay_blocks[c]));
    }
  }
  r.final_edges = OpenEdges();
  r.snapshots = engine_->snapshots();
  r.node_rows.reserve(nodes_.size());
  for (std::uint32_t i = 0; i < nodes_.size(); ++i) {
    const std::uint32_t g = node_group_[i];
    r.node_rows.push_back({node_region(i), node_as(i), g,
                           config_.groups[g].hashrate / static_cast<double>(group_nodes_[g].size()),
                           IsOnline(i)});
  }
  r.propagation_p50_s = Median(reach_samples[0]);
  r.propagation_p90_s = Median(reach_samples[1]);
  r.propagation_p99_s = Median(reach_samples[2]);
  return r;
}

}  // namespace peerlab::sim
