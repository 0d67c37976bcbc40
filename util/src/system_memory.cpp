#include "peerlab/util/system_memory.hpp"

#include <sys/resource.h>

#include <fstream>
#include <sstream>

namespace peerlab {

namespace {

std::optional<std::string> ReadText(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A cgroup file holding one number ("max" in v2 means no limit).
std::optional<std::uint64_t> ReadNumber(const char* path) {
  const auto text = ReadText(path);
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::uint64_t value = 0;
  if (!(in >> value)) return std::nullopt;
  return value;
}

// "Key:   1234 kB" in a /proc file, in bytes.
std::optional<std::uint64_t> ParseKbLine(const std::string& text, const std::string& key) {
  const std::string prefix = key + ":";
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    std::istringstream fields(line.substr(prefix.size()));
    std::uint64_t kib = 0;
    if (!(fields >> kib)) return std::nullopt;
    return kib * 1024;
  }
  return std::nullopt;
}

void Lower(std::optional<AvailableMemory>& best, std::uint64_t bytes, const char* source) {
  if (!best || bytes < best->bytes) best = AvailableMemory{bytes, source};
}

// Limits at or above this are "no limit" (v1 writes 2^63 rounded down to a page).
constexpr std::uint64_t kNoLimit = std::uint64_t{1} << 60;

void LowerByCgroup(std::optional<AvailableMemory>& best, std::optional<std::uint64_t> limit,
                   std::optional<std::uint64_t> usage) {
  if (!limit || *limit >= kNoLimit) return;
  const std::uint64_t used = usage.value_or(0);
  Lower(best, *limit > used ? *limit - used : 0, "cgroup memory limit");
}

}  // namespace

std::optional<std::uint64_t> ParseMemAvailable(const std::string& meminfo) {
  return ParseKbLine(meminfo, "MemAvailable");
}

std::optional<AvailableMemory> ReadAvailableMemory() {
  std::optional<AvailableMemory> best;
  if (const auto meminfo = ReadText("/proc/meminfo")) {
    if (const auto bytes = ParseMemAvailable(*meminfo)) Lower(best, *bytes, "MemAvailable");
  }
  // The cgroup a container or systemd unit confines us to, as mounted in our namespace.
  LowerByCgroup(best, ReadNumber("/sys/fs/cgroup/memory.max"),
                ReadNumber("/sys/fs/cgroup/memory.current"));
  LowerByCgroup(best, ReadNumber("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                ReadNumber("/sys/fs/cgroup/memory/memory.usage_in_bytes"));
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    std::uint64_t mapped = 0;
    if (const auto status = ReadText("/proc/self/status")) {
      mapped = ParseKbLine(*status, "VmSize").value_or(0);
    }
    const std::uint64_t limit = as.rlim_cur;
    Lower(best, limit > mapped ? limit - mapped : 0, "ulimit -v");
  }
  return best;
}

}  // namespace peerlab
