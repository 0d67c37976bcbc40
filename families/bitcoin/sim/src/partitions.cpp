// Simulation: the Bitcoin side of partitions. Which node is on which side (resolved from the
// scenario's selectors by the network plan, plan/), the tips the nodes hold after a heal (time to
// consistency: every node on one tip), and what each side mined while it lasted. The engine
// applies the partitions themselves (sim/src/engine_faults.cpp). Tips are counted per block
// only when the scenario has events.
#include <algorithm>

#include "peerlab/bitcoin/sim/simulation.hpp"

namespace peerlab::sim {

Status Simulation::SetUpNetworkEvents(plan::NetworkPlan& plan) {
  if (config_.events.empty()) return Status::Ok();
  // The scenario layer reports these at the offending line; this guards direct SimConfigs.
  std::vector<std::vector<std::uint8_t>> sides(config_.events.size());
  bool partitioned = false;
  for (std::uint32_t e = 0; e < config_.events.size(); ++e) {
    const NetworkEventSpec& spec = config_.events[e];
    const std::string where = "events[" + std::to_string(e) + "]";
    if (spec.at < 0 || (e > 0 && spec.at < config_.events[e - 1].at)) {
      return Status::Error(where + ".at: events must be in time order");
    }
    const bool partition = spec.kind == NetworkEventSpec::Kind::kPartition;
    if (partition == partitioned) {
      return Status::Error(where + ".kind: " +
                           (partition ? "a partition is already in effect"
                                      : "no partition is in effect to heal"));
    }
    partitioned = partition;
    if (!partition) continue;
    if (spec.sides.size() < 2 || spec.sides.size() > kMaxPartitionSides) {
      return Status::Error(where + ".sides: expected 2 to 16 sides");
    }
    plan::PartitionPlan* resolved = plan.partition(e);
    PEERLAB_ASSERT(resolved != nullptr);
    if (resolved->error) return Status::Error(where + ".sides: " + resolved->error->message);
    sides[e] = std::move(resolved->side_of);
  }
  track_tips_ = true;
  nodes_on_tip_.assign(1, node_count());  // every node starts on genesis
  return engine_->SetUpNetworkEvents(std::move(sides));
}

void Simulation::OnHeal(std::uint32_t partition) {
  if (nodes_on_tip_[nodes_[0].tip()] == node_count()) {
    engine_->NoteConsistent(partition, now());
  } else {
    awaiting_consistency_.push_back(partition);
  }
}

void Simulation::TrackTip(TimeNs at, const bitcoin::Observation& o) {
  std::vector<std::uint32_t>& count = nodes_on_tip_;
  if (o.block >= count.size()) count.resize(o.block + 1, 0);
  PEERLAB_ASSERT(o.previous < count.size() && count[o.previous] > 0);
  --count[o.previous];
  if (++count[o.block] < node_count() || awaiting_consistency_.empty()) return;
  for (std::uint32_t index : awaiting_consistency_) engine_->NoteConsistent(index, at);
  awaiting_consistency_.clear();
}

std::vector<PartitionReport> Simulation::ReportPartitions(const std::vector<bool>& on_main) const {
  std::vector<PartitionReport> reports;
  for (const NetworkFaultState::Partition& p : engine_->partitions()) {
    PartitionReport r;
    r.at = p.at;
    if (p.healed_at >= 0) r.healed_at = p.healed_at;
    r.mode = p.mode;
    r.sides.resize(p.side_count);
    // Each side's share of hashrate: its nodes' shares of their groups', summed in node order.
    for (std::uint32_t i = 0; i < node_count(); ++i) {
      const std::uint32_t g = node_group_[i];
      r.sides[p.side_of[i]].hashrate += config_.groups[g].hashrate / group_nodes_[g].size();
    }
    for (std::uint8_t s : p.side_of) ++r.sides[s].nodes;
    const TimeNs end = p.healed_at >= 0 ? p.healed_at : kTimeNever;
    for (bitcoin::BlockHandle h = 1; h < store_.size(); ++h) {
      const auto& block = store_.Get(h);
      if (block.found_at < p.at || block.found_at >= end) continue;
      PartitionSideReport& side = r.sides[p.side_of[block.miner]];
      ++side.blocks_mined;
      if (!on_main[h]) ++side.blocks_orphaned;
    }
    if (p.consistent_at >= 0) r.time_to_consistency = p.consistent_at - p.healed_at;
    reports.push_back(std::move(r));
  }
  return reports;
}

}  // namespace peerlab::sim
