// Helpers the families' case generators share (bitcoin_case.cpp, tendermint_case.cpp): the
// YAML forms of durations, shares and node lists, and the draws of node sets and times.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "peerlab/util/rng.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::explore {

inline std::string Ms(DurationNs d) { return std::to_string(d / kMillisecond) + " ms"; }

inline std::string Share(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

inline std::string NodeList(const std::vector<std::uint32_t>& nodes) {
  std::string out = "[nodes: [";
  for (std::size_t i = 0; i < nodes.size(); ++i) out += (i ? ", " : "") + std::to_string(nodes[i]);
  return out + "]]";
}

// A random set of between 1 and max(1, n * share) distinct nodes, ascending.
inline std::vector<std::uint32_t> SomeNodes(Rng& rng, std::uint32_t n, double share) {
  const auto most = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(n * share));
  const auto count = static_cast<std::uint32_t>(1 + rng.Below(most));
  std::vector<std::uint32_t> all(n);
  for (std::uint32_t i = 0; i < n; ++i) all[i] = i;
  for (std::uint32_t i = 0; i < count; ++i) std::swap(all[i], all[i + rng.Below(n - i)]);
  all.resize(count);
  std::sort(all.begin(), all.end());
  return all;
}

// Node lists past `nodes` lose their out-of-range entries; an emptied side or set gives up.
inline bool Clip(std::vector<std::uint32_t>& list, std::uint32_t nodes) {
  const bool was_empty = list.empty();
  list.erase(std::remove_if(list.begin(), list.end(), [&](std::uint32_t i) { return i >= nodes; }),
             list.end());
  return was_empty || !list.empty();
}
inline DurationNs Between(Rng& rng, DurationNs lo, DurationNs hi) {
  return lo + static_cast<DurationNs>(rng.Uniform() * static_cast<double>(hi - lo));
}

}  // namespace peerlab::explore
