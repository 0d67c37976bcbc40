// Topology analysis's random stream (util/rng.hpp). Never change or reuse the value;
// tests/rng_purposes_test.cpp checks it against every other owner's.
#pragma once

#include "peerlab/util/rng.hpp"

namespace peerlab::analysis::rng_purpose {

// `peerlab analyze`: sampled BFS sources and node pairs (owner 0 and 1).
inline constexpr RngPurpose kSampling{17};

}  // namespace peerlab::analysis::rng_purpose
