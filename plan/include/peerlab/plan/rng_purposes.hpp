// The plan's random streams (util/rng.hpp): part of every stream's identity, so these values
// are persisted in every recorded result. Never change or reuse one; tests/rng_purposes_test.cpp
// checks them against every other owner's.
#pragma once

#include "peerlab/util/rng.hpp"

namespace peerlab::plan::rng_purpose {

inline constexpr RngPurpose kGroupAssignment{2};    // the shuffle dealing nodes to groups
inline constexpr RngPurpose kRegionAssignment{6};   // region per node
inline constexpr RngPurpose kAutonomousSystems{11};  // AS per node
inline constexpr RngPurpose kPartitionSides{13};  // owner: event index; `hashrate` selectors' order

}  // namespace peerlab::plan::rng_purpose
