// The engine's random streams (util/rng.hpp): part of every stream's identity, so these values
// are persisted in every recorded result. Never change or reuse one; tests/rng_purposes_test.cpp
// checks them against every other owner's (plan/, families/bitcoin/, analysis/).
#pragma once

#include "peerlab/util/rng.hpp"

namespace peerlab::sim::rng_purpose {

inline constexpr RngPurpose kTopology{1};       // the initial overlay (also `peerlab testbed`'s)
inline constexpr RngPurpose kLatencyJitter{4};  // per-message latency around the region mean
inline constexpr RngPurpose kTransactions{7};   // the users' transaction workload
inline constexpr RngPurpose kConnections{8};    // retired (driver-chosen reconnections): reserved
inline constexpr RngPurpose kAddressSeeds{10};  // the "DNS seed" addresses each node starts with
inline constexpr RngPurpose kRushingLinks{12};  // owner: group; the honest miners it links to
// Owner g: attacking group g's addresses; 2^32 + g: its trash addresses.
inline constexpr RngPurpose kEclipseAddresses{14};
// Owner 0: which nodes churn; owner node + 1: that node's sessions and downtimes.
inline constexpr RngPurpose kChurn{15};
inline constexpr RngPurpose kLinkFailures{16};  // random connection failures under churn

}  // namespace peerlab::sim::rng_purpose
