// The Tendermint family's random streams (util/rng.hpp): part of every stream's identity, so
// these values are persisted in every recorded result. Never change or reuse one;
// tests/rng_purposes_test.cpp checks them against every other owner's.
#pragma once

#include "peerlab/util/rng.hpp"

namespace peerlab::tendermint::rng_purpose {

// The simulation's (families/tendermint/sim): the users' transaction workload (when, where,
// how big).
inline constexpr RngPurpose kTransactions{18};

}  // namespace peerlab::tendermint::rng_purpose
