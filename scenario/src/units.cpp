#include "peerlab/scenario/units.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace peerlab::scenario {
namespace {

struct Unit {
  std::string_view name;
  double factor;  // in the base unit (ns, bytes, bit/s)
};

// The first spelling of each factor is the canonical one used by Format*.
constexpr Unit kDurationUnits[] = {
    {"ns", 1},  {"us", 1e3},   {"µs", 1e3},   {"ms", 1e6},
    {"s", 1e9}, {"min", 60e9}, {"h", 3600e9}, {"d", 86400e9},
};
constexpr Unit kSizeUnits[] = {
    {"B", 1},    {"KB", 1e3},     {"kB", 1e3},        {"MB", 1e6},
    {"GB", 1e9}, {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0},
};
constexpr Unit kBandwidthUnits[] = {
    {"bit/s", 1}, {"kbit/s", 1e3}, {"Mbit/s", 1e6}, {"Gbit/s", 1e9},
    {"bps", 1},   {"kbps", 1e3},   {"Mbps", 1e6},   {"Gbps", 1e9},
};

std::string_view Trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string Quote(std::string_view s) { return "`" + std::string(s) + "`"; }

template <std::size_t N>
std::string UnitList(const Unit (&units)[N]) {
  std::string out;
  for (const Unit& u : units) {
    if (!out.empty()) out += ", ";
    out += u.name;
  }
  return out;
}

template <std::size_t N>
const Unit* FindUnit(const Unit (&units)[N], std::string_view name) {
  for (const Unit& u : units) {
    if (u.name == name) return &u;
  }
  return nullptr;
}

// "<number> <unit>" split into its parts. The number must start the text so that "-5 s"
// is recognised as negative rather than as garbage.
struct Quantity {
  double value = 0;
  std::string_view number;  // the digits as written, for exact integer conversion
  std::string_view unit;
};

// `what` names the quantity for messages ("a duration like `600 s`"); `example_unit` is used
// to suggest a fix when the unit is missing.
Result<Quantity> SplitQuantity(std::string_view text, std::string_view what,
                               std::string_view example_unit) {
  const std::string_view t = Trim(text);
  Quantity q;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), q.value);
  if (ec != std::errc() && ec != std::errc::result_out_of_range) {
    return Status::Error("expected " + std::string(what) + ", got " + Quote(t));
  }
  if (ec == std::errc::result_out_of_range || !std::isfinite(q.value)) {
    return Status::Error(Quote(t) + " is out of range");
  }
  q.number = t.substr(0, static_cast<std::size_t>(ptr - t.data()));
  q.unit = Trim(t.substr(q.number.size()));
  if (q.value < 0) return Status::Error("must not be negative, got " + Quote(t));
  if (q.unit.empty()) {
    return Status::Error("needs a unit, e.g. " +
                         Quote(std::string(q.number) + " " + std::string(example_unit)));
  }
  return q;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// value * factor as an integer, exactly when the number is a whole number of units (so large
// nanosecond counts do not lose precision through a double).
Result<std::uint64_t> ToInteger(const Quantity& q, double factor, std::uint64_t max,
                                std::string_view text) {
  if (AllDigits(q.number) && factor == std::floor(factor)) {
    std::uint64_t n = 0;
    const auto [ptr, ec] = std::from_chars(q.number.data(), q.number.data() + q.number.size(), n);
    const auto f = static_cast<std::uint64_t>(factor);
    if (ec == std::errc() && (n == 0 || n <= max / f)) return n * f;
    return Status::Error(Quote(Trim(text)) + " is too large");
  }
  const double v = q.value * factor;
  if (!(v < static_cast<double>(max))) return Status::Error(Quote(Trim(text)) + " is too large");
  return static_cast<std::uint64_t>(std::llround(v));
}

double ParseBack(const std::string& number) {
  double v = 0;
  std::from_chars(number.data(), number.data() + number.size(), v);
  return v;
}

}  // namespace

Result<DurationNs> ParseDuration(std::string_view text) {
  auto q = SplitQuantity(text, "a duration like `600 s`", "s");
  if (!q.ok()) return q.status();
  const Unit* u = FindUnit(kDurationUnits, q->unit);
  if (u == nullptr) {
    return Status::Error("unknown duration unit " + Quote(q->unit) +
                         " (expected one of: " + UnitList(kDurationUnits) + ")");
  }
  auto ns = ToInteger(*q, u->factor, static_cast<std::uint64_t>(kTimeNever), text);
  if (!ns.ok()) return ns.status();
  return static_cast<DurationNs>(ns.value());
}

Result<std::uint64_t> ParseSize(std::string_view text) {
  auto q = SplitQuantity(text, "a size like `1 MB`", "MB");
  if (!q.ok()) return q.status();
  const Unit* u = FindUnit(kSizeUnits, q->unit);
  if (u == nullptr) {
    return Status::Error("unknown size unit " + Quote(q->unit) +
                         " (expected one of: " + UnitList(kSizeUnits) + ")");
  }
  if (!AllDigits(q->number)) {
    const double bytes = q->value * u->factor;
    if (std::fabs(bytes - std::round(bytes)) > 1e-9 * std::max(1.0, bytes)) {
      return Status::Error(Quote(Trim(text)) + " is not a whole number of bytes");
    }
  }
  return ToInteger(*q, u->factor, std::uint64_t{1} << 62, text);
}

Result<double> ParseBandwidth(std::string_view text) {
  auto q = SplitQuantity(text, "a bandwidth like `20 Mbit/s`", "Mbit/s");
  if (!q.ok()) return q.status();
  const Unit* u = FindUnit(kBandwidthUnits, q->unit);
  if (u == nullptr) {
    return Status::Error("unknown bandwidth unit " + Quote(q->unit) +
                         " (expected one of: " + UnitList(kBandwidthUnits) + ")");
  }
  const double bps = q->value * u->factor;
  if (!std::isfinite(bps)) return Status::Error(Quote(Trim(text)) + " is out of range");
  return bps;
}

Result<double> ParseHashrate(std::string_view text) {
  std::string_view t = Trim(text);
  const bool percent = !t.empty() && t.back() == '%';
  std::string_view number = percent ? Trim(t.substr(0, t.size() - 1)) : t;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (ec != std::errc() || ptr != number.data() + number.size() || !std::isfinite(v)) {
    return Status::Error("expected a share in [0, 1] or a percentage like `30 %`, got " + Quote(t));
  }
  if (v < 0) return Status::Error("must not be negative, got " + Quote(t));
  if (percent) {
    if (v > 100) return Status::Error("must be at most 100 %, got " + Quote(t));
    return v / 100;
  }
  if (v > 1) {
    return Status::Error(Quote(t) + " is more than 1; write a share in [0, 1] or a " +
                         "percentage like `30 %`");
  }
  return v;
}

std::string FormatNumber(double v) {
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, ptr) : std::string("0");
}

std::string FormatDuration(DurationNs d) {
  if (d == 0) return "0 s";
  static constexpr std::pair<DurationNs, std::string_view> kUnits[] = {
      {kDay, "d"},          {kHour, "h"},         {kMinute, "min"}, {kSecond, "s"},
      {kMillisecond, "ms"}, {kMicrosecond, "us"}, {1, "ns"}};
  for (const auto& [factor, name] : kUnits) {
    if (d % factor == 0) return std::to_string(d / factor) + " " + std::string(name);
  }
  return std::to_string(d) + " ns";
}

std::string FormatSize(std::uint64_t bytes) {
  if (bytes == 0) return "0 B";
  static constexpr std::pair<std::uint64_t, std::string_view> kUnits[] = {
      {1073741824, "GiB"}, {1000000000, "GB"}, {1048576, "MiB"}, {1000000, "MB"},
      {1024, "KiB"},       {1000, "KB"},       {1, "B"}};
  for (const auto& [factor, name] : kUnits) {
    if (bytes % factor == 0) return std::to_string(bytes / factor) + " " + std::string(name);
  }
  return std::to_string(bytes) + " B";
}

std::string FormatBandwidth(double bps) {
  static constexpr std::pair<double, std::string_view> kUnits[] = {
      {1e9, "Gbit/s"}, {1e6, "Mbit/s"}, {1e3, "kbit/s"}};
  for (const auto& [factor, name] : kUnits) {
    if (bps < factor) continue;
    const std::string n = FormatNumber(bps / factor);
    // Only when it parses back to the same value: run manifests must round-trip exactly.
    if (ParseBack(n) * factor == bps) return n + " " + std::string(name);
  }
  return FormatNumber(bps) + " bit/s";
}

std::vector<std::string> DurationUnits() {
  std::vector<std::string> out;
  for (const Unit& u : kDurationUnits) out.emplace_back(u.name);
  return out;
}
std::vector<std::string> SizeUnits() {
  std::vector<std::string> out;
  for (const Unit& u : kSizeUnits) out.emplace_back(u.name);
  return out;
}
std::vector<std::string> BandwidthUnits() {
  std::vector<std::string> out;
  for (const Unit& u : kBandwidthUnits) out.emplace_back(u.name);
  return out;
}

}  // namespace peerlab::scenario
