// How much memory this process may still use, for refusing a run that would not fit before it
// starts (runner/memory_check.hpp). Reads Linux's /proc and cgroup files; nothing is cached.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace peerlab {

struct AvailableMemory {
  std::uint64_t bytes = 0;
  // Which bound gave `bytes`: "MemAvailable", "cgroup memory limit" or "ulimit -v".
  std::string source;
};

// The smallest of: MemAvailable in /proc/meminfo (free memory plus reclaimable caches), the
// room left under this process's cgroup limit (v2 memory.max - memory.current, or v1
// memory.limit_in_bytes - memory.usage_in_bytes, when a limit is set), and the address-space
// limit (RLIMIT_AS, `ulimit -v`) minus what is mapped now. nullopt when none can be read
// (not Linux, /proc not mounted): callers then skip their check rather than guess.
std::optional<AvailableMemory> ReadAvailableMemory();

// Parses a /proc/meminfo text for MemAvailable, in bytes (for tests).
std::optional<std::uint64_t> ParseMemAvailable(const std::string& meminfo);

}  // namespace peerlab
