// Where nodes are: the group of every node. A pure function of the SimConfig and its seed,
// shared by the engine (Simulation::Setup) and the scenario layer's validation, so that a
// check naming a node (an eclipse victim inside the attacking group) is reported at the line
// of the scenario file that did it.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/sim/config.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::sim {

// Group per node: a seeded shuffle of the nodes dealt to the groups in file order, `rest`
// last (RngPurpose::kGroupAssignment). Fails when the counts do not fit network.nodes.
Result<std::vector<std::uint32_t>> AssignGroups(const SimConfig& config);

}  // namespace peerlab::sim
