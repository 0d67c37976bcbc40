// The engine's random streams (util/rng.hpp): part of every stream's identity, so these values
// are persisted in every recorded result. Never change or reuse one; tests/rng_purposes_test.cpp
// checks them against every other owner's (plan/, families/bitcoin/, analysis/). A
// protocol family's own streams (workloads, attacks) are the family's.
#pragma once

#include "peerlab/util/rng.hpp"

namespace peerlab::sim::rng_purpose {

inline constexpr RngPurpose kTopology{1};       // the initial overlay (also `peerlab testbed`'s)
inline constexpr RngPurpose kLatencyJitter{4};  // per-message latency around the region mean
inline constexpr RngPurpose kConnections{8};    // retired (driver-chosen reconnections): reserved
// Owner 0: which nodes churn; owner node + 1: that node's sessions and downtimes.
inline constexpr RngPurpose kChurn{15};
inline constexpr RngPurpose kLinkFailures{16};  // random connection failures under churn
// Owner: (sender << 32) | the delivery's key sequence: one stream per message.
inline constexpr RngPurpose kMessageFaults{19};

}  // namespace peerlab::sim::rng_purpose
