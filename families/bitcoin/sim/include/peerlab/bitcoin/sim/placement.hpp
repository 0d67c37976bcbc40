// Where nodes are: region, group and autonomous system of every node, and which side of a
// partition each node is on. Pure functions of the SimConfig and its seed, shared by the
// engine (Simulation::Setup) and the scenario layer's validation, so that a side naming no
// node, or a node named by two sides, is reported at the line of the scenario file that did it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/bitcoin/sim/config.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::sim {

// Region per node, drawn from the region table's node shares (RngPurpose::kRegionAssignment).
std::vector<std::uint32_t> DrawRegions(const SimConfig& config);

// Group per node: a seeded shuffle of the nodes dealt to the groups in file order, `rest`
// last (RngPurpose::kGroupAssignment). Fails when the counts do not fit network.nodes.
Result<std::vector<std::uint32_t>> AssignGroups(const SimConfig& config);

// Each node's share of total hashrate: its group's share split evenly among the group's nodes
// (as the mining oracle draws the finder).
std::vector<double> NodeHashrates(const SimConfig& config,
                                  const std::vector<std::uint32_t>& group);

// The Zipf exponent s for which the `top` largest of `count` ASes hold `share` of the
// probability mass (bisection; share must lie strictly between top/count and 1).
double FitZipfExponent(std::uint32_t count, std::uint32_t top, double share);
// The spec's exponent, or the one fitted to the measurement (kMeasuredTopAses hold
// kMeasuredTopAsShare).
double ZipfExponent(const AutonomousSystemSpec& spec);
// AS number per node, 1..count, AS k drawn with probability proportional to k^-s
// (RngPurpose::kAutonomousSystems): AS 1 is the largest in expectation.
std::vector<std::uint32_t> DrawAutonomousSystems(const SimConfig& config);

struct NodePlacement {
  std::vector<std::uint32_t> region;  // per node
  std::vector<std::uint32_t> group;
  std::vector<std::uint32_t> as;
};
Result<NodePlacement> PlaceNodes(const SimConfig& config);

// Why the sides of a partition could not be resolved, and which selector is to blame.
struct SideError {
  static constexpr std::uint32_t kAll = UINT32_MAX;  // `side`: the sides together
  std::uint32_t side = kAll;
  std::uint32_t selector = kAll;  // kAll: the side as a whole
  std::string message;
};

// Side per node of partition `config.events[event]`. Selectors are applied in this order:
// 1. `region`, `group`, `nodes` and `as` selectors of every side, in file order; a node that
//    two sides name is an error;
// 2. `hashrate` selectors, in file order: one seeded shuffle of all nodes per event
//    (RngPurpose::kPartitionSides, owner = event index) is walked once, and each selector
//    takes the walk's next nodes that have hashrate and are on no side yet, until its side's
//    hashrate share is at least the target (so it may exceed it by one node's share);
// 3. `rest`: every node still on no side.
// Every side must end up with a node, and every node on a side.
std::optional<SideError> ResolvePartitionSides(const SimConfig& config, std::uint32_t event,
                                               const NodePlacement& placement,
                                               std::vector<std::uint8_t>* side_of);

}  // namespace peerlab::sim
