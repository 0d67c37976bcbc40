// Quantities with units as written in scenario files ("50 ms", "1 MB", "20 Mbit/s", "30 %").
//
// A bare number is rejected for every dimensioned quantity: "block_interval: 600" could mean
// seconds or milliseconds, and guessing wrong silently changes results by a factor of 1000.
// Errors carry only the message (no file position); the scenario parser adds the location.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/util/status.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::scenario {

// ns, us (or µs), ms, s, min, h, d. Decimals allowed ("1.5 s"), rounded to the nearest ns.
Result<DurationNs> ParseDuration(std::string_view text);
// B, KB (= 1000 B, also kB), MB, GB, KiB, MiB, GiB. Must come to a whole number of bytes.
Result<std::uint64_t> ParseSize(std::string_view text);
// Bits per second: bit/s, kbit/s, Mbit/s, Gbit/s, or bps, kbps, Mbps, Gbps.
Result<double> ParseBandwidth(std::string_view text);
// A share in [0, 1]: a plain number ("0.3") or a percentage ("30 %", "30%").
Result<double> ParseHashrate(std::string_view text);

// Canonical spelling in the largest unit that represents the value exactly ("600 s" ->
// "10 min"), so resolved scenarios read naturally and parse back to the same value.
std::string FormatDuration(DurationNs d);
std::string FormatSize(std::uint64_t bytes);
std::string FormatBandwidth(double bits_per_second);
// Shortest text that parses back to exactly `v` ("0.1", "5", "1e-07").
std::string FormatNumber(double v);

// Unit spellings, for the generated reference.
std::vector<std::string> DurationUnits();
std::vector<std::string> SizeUnits();
std::vector<std::string> BandwidthUnits();

}  // namespace peerlab::scenario
