// Simulated time: signed 64-bit nanoseconds, as ns-3 does. Integer time makes event order exact
// and runs reproducible; 2^63 ns is about 292 years of simulated time.
#pragma once

#include <algorithm>
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

// The latest simulated time any run reaches: 80 years (29,200 days); a run whose stop
// condition has not come by then ends there, as at stop.time. Why 80: nodes put
// genesis time + simulated seconds into 32-bit Unix times (block headers, addr entries), and
// from regtest's genesis (February 2011) those overflow 95 years in; and a time at most
// kTimeLimit plus what nodes add to it (a scenario span, docs/limits.md, at most a year; a
// random draw, at most 37 times its mean) stays far below INT64_MAX (292 years).
inline constexpr TimeNs kTimeLimit = 29'200 * kDay;
// What saturating time arithmetic yields for a time too late to matter: after kTimeLimit, so
// nothing at it ever happens, and so far below INT64_MAX (132 years of headroom) that adding
// any scenario span or small constant to it cannot overflow.
inline constexpr TimeNs kTimeBeyond = 2 * kTimeLimit;

// `ns` (>= 0) as a whole duration, truncated like static_cast; kTimeBeyond when it is at or
// past kTimeBeyond, infinite or NaN (a transfer at 1 bit/s, a heavy-tailed draw). Equal to
// static_cast<DurationNs>(ns) for every value below kTimeBeyond.
inline DurationNs SaturatingNs(double ns) {
  return ns < static_cast<double>(kTimeBeyond) ? static_cast<DurationNs>(ns) : kTimeBeyond;
}
// t + d for t, d >= 0, saturating at kTimeBeyond (never below t): equal to t + d whenever
// that is below kTimeBeyond.
inline constexpr TimeNs SaturatingAdd(TimeNs t, DurationNs d) {
  return d < kTimeBeyond - t ? t + d : std::max(t, kTimeBeyond);
}

}  // namespace peerlab
