// The network plan: where every node is (region, group, autonomous system) and, for every
// partition event, which side each node is on. Computed once from a PlanInput and its seed by
// ComputePlan, the one place these draws happen: the engine builds its nodes from it, scenario
// validation reports its errors at the scenario line that caused them, and `peerlab testbed`
// places its daemons with it, so all three agree node by node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/plan/plan_input.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::plan {

// Why the sides of a partition could not be resolved, and which selector is to blame.
struct SideError {
  static constexpr std::uint32_t kAll = UINT32_MAX;  // `side`: the sides together
  std::uint32_t side = kAll;
  std::uint32_t selector = kAll;  // kAll: the side as a whole
  std::string message;
};

struct PartitionPlan {
  std::uint32_t event = 0;            // PartitionInput::event
  std::vector<std::uint8_t> side_of;  // per node; complete only when `error` is unset
  std::optional<SideError> error;     // the first problem found
};

struct NetworkPlan {
  std::vector<std::uint32_t> region;  // per node, index into PlanInput::region_shares
  std::vector<std::uint32_t> as;      // per node, AS number 1..count (1: the largest)
  std::vector<std::uint32_t> group;   // per node, index into PlanInput::groups; empty on error
  // "groups: ..." when the group sizes do not fit the node count; then no sides are resolved.
  Status group_status;
  std::vector<PartitionPlan> partitions;  // one per PlanInput::partitions, in its order

  bool ok() const;
  // The plan of the partition with this event index, or nullptr.
  const PartitionPlan* partition(std::uint32_t event) const;
  PartitionPlan* partition(std::uint32_t event);
};

// Draws, in this order and each from its own stream (rng_purposes.hpp), so none shifts another:
// 1. region per node from the region shares (kRegionAssignment): one uniform per node, the
//    first region whose cumulative share exceeds it (the last region if rounding leaves none);
// 2. group per node (kGroupAssignment): a seeded shuffle of the nodes dealt to the groups in
//    file order, `rest` last;
// 3. AS per node (kAutonomousSystems): AS k with probability proportional to k^-s
//    (ZipfExponent);
// 4. sides of every partition, in input order (ResolvePartitionSides below).
// Errors are recorded in the plan, never asserted: a caller reports them where it likes.
NetworkPlan ComputePlan(const PlanInput& input);

// Each node's share of total hashrate: its group's share split evenly among the group's nodes
// (as the mining oracle draws the finder).
std::vector<double> NodeHashrates(const std::vector<GroupShape>& groups,
                                  const std::vector<std::uint32_t>& group_of);

// The Zipf exponent s for which the `top` largest of `count` ASes hold `share` of the
// probability mass (bisection; share must lie strictly between top/count and 1).
double FitZipfExponent(std::uint32_t count, std::uint32_t top, double share);
// The spec's exponent, or the one fitted to the measurement (kMeasuredTopAses hold
// kMeasuredTopAsShare).
double ZipfExponent(const AutonomousSystemSpec& spec);

// Side per node of one partition, given the nodes' placement. Selectors apply in this order:
// 1. `region`, `group`, `nodes` and `as` selectors of every side, in file order; a node that
//    two sides name is an error;
// 2. `hashrate` selectors, in file order: one seeded shuffle of all nodes per event
//    (kPartitionSides, owner = event index) is walked once, and each selector takes the walk's
//    next nodes that have hashrate and are on no side yet, until its side's hashrate share is
//    at least the target (so it may exceed it by one node's share);
// 3. `rest`: every node still on no side.
// Every side must end up with a node, and every node on a side. More than kMaxPartitionSides
// sides, a node index past the node count or an AS past the AS count are errors too.
std::optional<SideError> ResolvePartitionSides(const PlanInput& input,
                                               const PartitionInput& partition,
                                               const NetworkPlan& placement,
                                               std::vector<std::uint8_t>* side_of);

// Whether each node (1) or not (0) is named by one of these selectors: `region`, `group`,
// `nodes` and `as` only (a message fault's senders or receivers). Node indexes and AS numbers
// past the plan's are named by no node (the scenario layer reports them while parsing).
std::vector<std::uint8_t> NodesNamed(const std::vector<SideSelector>& selectors,
                                     const NetworkPlan& placement);

}  // namespace peerlab::plan
