#include "peerlab/sim/placement.hpp"

#include <algorithm>

#include "peerlab/util/rng.hpp"

namespace peerlab::sim {

Result<std::vector<std::uint32_t>> AssignGroups(const SimConfig& config) {
  const std::uint32_t n = config.nodes;
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
  Rng rng(config.seed, 0, RngPurpose::kGroupAssignment);
  for (std::uint32_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.Below(i + 1)]);
  std::vector<std::uint32_t> group_of(n, UINT32_MAX);
  std::size_t next = 0;
  std::uint32_t rest_group = UINT32_MAX;
  for (std::uint32_t g = 0; g < config.groups.size(); ++g) {
    if (config.groups[g].rest) {
      rest_group = g;
      continue;
    }
    if (next + config.groups[g].node_count > n) {
      return Status::Error("groups: more nodes in groups than network.nodes");
    }
    for (std::uint32_t k = 0; k < config.groups[g].node_count; ++k) group_of[order[next++]] = g;
  }
  for (; next < n; ++next) {
    if (rest_group == UINT32_MAX) return Status::Error("groups: some nodes belong to no group");
    group_of[order[next]] = rest_group;
  }
  return group_of;
}

}  // namespace peerlab::sim
