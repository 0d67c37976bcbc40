#include "peerlab/bitcoin/sim/plan_input.hpp"

namespace peerlab::sim {

plan::PlanInput PlanInputOf(const SimConfig& config) {
  plan::PlanInput in;
  in.seed = config.seed;
  in.nodes = config.nodes;
  in.region_shares = config.regions.node_share;
  in.groups.reserve(config.groups.size());
  for (const GroupSpec& g : config.groups) in.groups.push_back({g.rest, g.node_count, g.hashrate});
  in.autonomous_systems = config.autonomous_systems;
  for (std::uint32_t e = 0; e < config.events.size(); ++e) {
    if (config.events[e].kind != NetworkEventSpec::Kind::kPartition) continue;
    in.partitions.push_back({e, config.events[e].sides});
  }
  return in;
}

plan::NetworkPlan PlanNetwork(const SimConfig& config) {
  return plan::ComputePlan(PlanInputOf(config));
}

}  // namespace peerlab::sim
