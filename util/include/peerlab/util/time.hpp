// Simulated time: signed 64-bit nanoseconds, as ns-3 does. Integer time makes event order exact
// and runs reproducible; 2^63 ns is about 292 years of simulated time.
#pragma once

#include <cstdint>

namespace peerlab {

using TimeNs = std::int64_t;  // a point in simulated time, ns since the start of the run
using DurationNs = std::int64_t;

inline constexpr DurationNs kNanosecond = 1;
inline constexpr DurationNs kMicrosecond = 1'000;
inline constexpr DurationNs kMillisecond = 1'000'000;
inline constexpr DurationNs kSecond = 1'000'000'000;
inline constexpr DurationNs kMinute = 60 * kSecond;
inline constexpr DurationNs kHour = 60 * kMinute;
inline constexpr DurationNs kDay = 24 * kHour;
inline constexpr TimeNs kTimeNever = INT64_MAX;

inline constexpr double ToSeconds(DurationNs d) { return static_cast<double>(d) / 1e9; }

}  // namespace peerlab
