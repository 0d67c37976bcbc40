// The Bitcoin family's random streams (util/rng.hpp): part of every stream's identity, so these
// values are persisted in every recorded result. Never change or reuse one;
// tests/rng_purposes_test.cpp checks them against every other owner's.
#pragma once

#include "peerlab/util/rng.hpp"

namespace peerlab::bitcoin::rng_purpose {

// The mining oracle: who finds the next block and when (sim's engine; each peerlabd's own).
inline constexpr RngPurpose kMining{3};
inline constexpr RngPurpose kNode{5};        // owner: node index; the node's private draws
inline constexpr RngPurpose kAddrManKey{9};  // owner: node index; its address manager's keys
// The simulation's (families/bitcoin/sim).
inline constexpr RngPurpose kTransactions{7};   // the users' transaction workload
inline constexpr RngPurpose kAddressSeeds{10};  // the "DNS seed" addresses each node starts with
inline constexpr RngPurpose kRushingLinks{12};  // owner: group; the honest miners it links to
// Owner g: attacking group g's addresses; 2^32 + g: its trash addresses.
inline constexpr RngPurpose kEclipseAddresses{14};

}  // namespace peerlab::bitcoin::rng_purpose
