// The random streams of `peerlab explore` (util/rng.hpp): the generators' draws. Part of every
// campaign's identity: never change or reuse one (tests/rng_purposes_test.cpp).
#pragma once

#include "peerlab/util/rng.hpp"

namespace peerlab::explore::rng_purpose {

inline constexpr RngPurpose kBitcoinCases{20};     // owner: the run's index in its campaign
inline constexpr RngPurpose kTendermintCases{21};  // owner: the run's index in its campaign

}  // namespace peerlab::explore::rng_purpose
