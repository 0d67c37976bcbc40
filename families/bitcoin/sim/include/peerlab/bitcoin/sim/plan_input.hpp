// The network part of a SimConfig as the plan's input (plan/plan_input.hpp): node count, region
// shares, group sizes and hashrates, AS settings, partition side selectors, seed. The engine,
// scenario validation and `peerlab testbed` all compute their NetworkPlan through here, so they
// place every node alike.
#pragma once

#include "peerlab/plan/network_plan.hpp"
#include "peerlab/plan/plan_input.hpp"
#include "peerlab/bitcoin/sim/config.hpp"

namespace peerlab::sim {

// Partitions are taken from `config.events` with their event index; heals need no plan.
plan::PlanInput PlanInputOf(const SimConfig& config);

// plan::ComputePlan(PlanInputOf(config)).
plan::NetworkPlan PlanNetwork(const SimConfig& config);

}  // namespace peerlab::sim
