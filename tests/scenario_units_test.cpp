// Scenario units: durations, sizes, bandwidths and hashrates as a scenario writes them, and
// their canonical formatting (scenario/units.hpp).
#include "peerlab/scenario/units.hpp"

#include <gtest/gtest.h>

#include <string>

namespace peerlab::scenario {
namespace {

TEST(ScenarioUnits, Durations) {
  // clang-format off
  const std::pair<const char*, DurationNs> cases[] = {
      {"50 ms", 50 * kMillisecond}, {"50ms", 50 * kMillisecond}, {"1.5 s", 1500 * kMillisecond},
      {"0 s", 0}, {"1 ns", 1}, {"3 us", 3 * kMicrosecond}, {"2 µs", 2 * kMicrosecond},
      {"10 min", 10 * kMinute}, {"2 h", 2 * kHour}, {"1 d", kDay}, {" 600 s ", 600 * kSecond},
      {"0.1 s", 100 * kMillisecond}, {"1e3 ms", kSecond}, {"106751 d", 106751 * kDay}};
  // clang-format on
  for (const auto& [text, want] : cases) {
    auto r = ParseDuration(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().message();
    EXPECT_EQ(r.value(), want) << text;
  }
  const std::pair<const char*, const char*> errors[] = {
      {"600", "needs a unit, e.g. `600 s`"},
      {"10 parsecs",
       "unknown duration unit `parsecs` (expected one of: ns, us, µs, ms, s, min, h, d)"},
      {"-5 s", "must not be negative, got `-5 s`"},
      {"s", "expected a duration like `600 s`, got `s`"},
      {"", "expected a duration like `600 s`, got ``"},
      {"1 S", "unknown duration unit `S` (expected one of: ns, us, µs, ms, s, min, h, d)"},
      {"106752 d", "`106752 d` is too large"},
      {"1e300 s", "`1e300 s` is too large"},
      {"inf s", "`inf s` is out of range"},
  };
  for (const auto& [text, want] : errors) {
    auto r = ParseDuration(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().message(), want) << text;
  }
}

TEST(ScenarioUnits, Sizes) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"1 MB", 1'000'000},     {"81 B", 81},     {"1 KB", 1000},        {"1 kB", 1000},
      {"2 GB", 2'000'000'000}, {"1 KiB", 1024},  {"1 MiB", 1'048'576},  {"1 GiB", 1'073'741'824},
      {"1.5 MB", 1'500'000},   {"0.5 KiB", 512}, {"1.1 MB", 1'100'000},
  };
  for (const auto& [text, want] : cases) {
    auto r = ParseSize(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().message();
    EXPECT_EQ(r.value(), want) << text;
  }
  EXPECT_EQ(ParseSize("1000").status().message(), "needs a unit, e.g. `1000 MB`");
  EXPECT_EQ(ParseSize("1 mb").status().message(),
            "unknown size unit `mb` (expected one of: B, KB, kB, MB, GB, KiB, MiB, GiB)");
  EXPECT_EQ(ParseSize("0.5 B").status().message(), "`0.5 B` is not a whole number of bytes");
  EXPECT_EQ(ParseSize("-1 MB").status().message(), "must not be negative, got `-1 MB`");
}

TEST(ScenarioUnits, Bandwidths) {
  const std::pair<const char*, double> cases[] = {
      {"20 Mbit/s", 20e6}, {"20 Mbps", 20e6},   {"1.5 Gbit/s", 1.5e9},
      {"1 Gbps", 1e9},     {"64 kbit/s", 64e3}, {"64 kbps", 64e3},
      {"300 bit/s", 300},  {"300 bps", 300},    {"19.2Mbit/s", 19.2e6},
  };
  for (const auto& [text, want] : cases) {
    auto r = ParseBandwidth(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().message();
    EXPECT_DOUBLE_EQ(r.value(), want) << text;
  }
  EXPECT_EQ(ParseBandwidth("20").status().message(), "needs a unit, e.g. `20 Mbit/s`");
  EXPECT_EQ(ParseBandwidth("20 MB/s").status().message(),
            "unknown bandwidth unit `MB/s` (expected one of: bit/s, kbit/s, Mbit/s, Gbit/s, bps, "
            "kbps, Mbps, Gbps)");
}

TEST(ScenarioUnits, Hashrates) {
  const std::pair<const char*, double> cases[] = {
      {"0", 0},     {"1", 1},     {"0.25", 0.25}, {"30 %", 0.3},
      {"30%", 0.3}, {"100 %", 1}, {"0 %", 0},     {"12.5 %", 0.125},
  };
  for (const auto& [text, want] : cases) {
    auto r = ParseHashrate(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.status().message();
    EXPECT_DOUBLE_EQ(r.value(), want) << text;
  }
  EXPECT_EQ(ParseHashrate("-0.1").status().message(), "must not be negative, got `-0.1`");
  EXPECT_EQ(ParseHashrate("150 %").status().message(), "must be at most 100 %, got `150 %`");
  EXPECT_EQ(ParseHashrate("30").status().message(),
            "`30` is more than 1; write a share in [0, 1] or a percentage like `30 %`");
  EXPECT_EQ(ParseHashrate("lots").status().message(),
            "expected a share in [0, 1] or a percentage like `30 %`, got `lots`");
}

TEST(ScenarioUnits, FormatRoundTrips) {
  EXPECT_EQ(FormatDuration(600 * kSecond), "10 min");
  EXPECT_EQ(FormatDuration(1500 * kMillisecond), "1500 ms");
  EXPECT_EQ(FormatDuration(0), "0 s");
  EXPECT_EQ(FormatSize(1'000'000), "1 MB");
  EXPECT_EQ(FormatSize(1'048'576), "1 MiB");
  EXPECT_EQ(FormatSize(81), "81 B");
  EXPECT_EQ(FormatBandwidth(20e6), "20 Mbit/s");
  EXPECT_EQ(FormatBandwidth(19.2e6), "19.2 Mbit/s");
  EXPECT_EQ(FormatBandwidth(300), "300 bit/s");
  for (double bps : {19.2e6, 5.8e6, 1.0 / 3.0, 123456.789, 1e12}) {
    EXPECT_EQ(ParseBandwidth(FormatBandwidth(bps)).value(), bps) << FormatBandwidth(bps);
  }
}

}  // namespace
}  // namespace peerlab::scenario
