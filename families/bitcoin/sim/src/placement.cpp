#include "peerlab/bitcoin/sim/placement.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "peerlab/util/rng.hpp"

namespace peerlab::sim {
namespace {

// Share of the Zipf(s) mass held by the `top` largest of `count` ASes.
double TopShare(std::uint32_t count, std::uint32_t top, double s) {
  double head = 0, total = 0;
  for (std::uint32_t k = 1; k <= count; ++k) {
    const double w = std::pow(static_cast<double>(k), -s);
    total += w;
    if (k <= top) head += w;
  }
  return head / total;
}

std::string Share(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

}  // namespace

std::vector<std::uint32_t> DrawRegions(const SimConfig& config) {
  const RegionTable& regions = config.regions;
  Rng rng(config.seed, 0, RngPurpose::kRegionAssignment);
  std::vector<std::uint32_t> region_of(config.nodes);
  for (std::uint32_t i = 0; i < config.nodes; ++i) {
    const double u = rng.Uniform();
    double cumulative = 0;
    std::uint32_t region = static_cast<std::uint32_t>(regions.size() - 1);
    for (std::uint32_t r = 0; r < regions.size(); ++r) {
      cumulative += regions.node_share[r];
      if (u < cumulative) {
        region = r;
        break;
      }
    }
    region_of[i] = region;
  }
  return region_of;
}

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

std::vector<double> NodeHashrates(const SimConfig& config,
                                  const std::vector<std::uint32_t>& group) {
  std::vector<std::uint32_t> size(config.groups.size(), 0);
  for (std::uint32_t g : group) ++size[g];
  std::vector<double> share(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) {
    share[i] = config.groups[group[i]].hashrate / size[group[i]];
  }
  return share;
}

double FitZipfExponent(std::uint32_t count, std::uint32_t top, double share) {
  PEERLAB_ASSERT(top < count && share > static_cast<double>(top) / count && share < 1);
  // The head's share grows with s, from top/count at s = 0 towards 1.
  double lo = 0, hi = 1;
  while (TopShare(count, top, hi) < share) hi *= 2;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (TopShare(count, top, mid) < share ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

double ZipfExponent(const AutonomousSystemSpec& spec) {
  if (spec.zipf_exponent) return *spec.zipf_exponent;
  return FitZipfExponent(spec.count, kMeasuredTopAses, kMeasuredTopAsShare);
}

std::vector<std::uint32_t> DrawAutonomousSystems(const SimConfig& config) {
  const AutonomousSystemSpec& spec = config.autonomous_systems;
  PEERLAB_ASSERT(spec.count >= 1);
  const double s = ZipfExponent(spec);
  std::vector<double> cumulative(spec.count);
  double total = 0;
  for (std::uint32_t k = 1; k <= spec.count; ++k) {
    total += std::pow(static_cast<double>(k), -s);
    cumulative[k - 1] = total;
  }
  Rng rng(config.seed, 0, RngPurpose::kAutonomousSystems);
  std::vector<std::uint32_t> as_of(config.nodes);
  for (std::uint32_t i = 0; i < config.nodes; ++i) {
    const double u = rng.Uniform() * total;
    const auto k = static_cast<std::uint32_t>(
        std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
    as_of[i] = std::min(k, spec.count - 1) + 1;  // u < total, so k < count but for rounding
  }
  return as_of;
}

Result<NodePlacement> PlaceNodes(const SimConfig& config) {
  NodePlacement p;
  p.region = DrawRegions(config);
  auto groups = AssignGroups(config);
  if (!groups.ok()) return groups.status();
  p.group = std::move(groups).value();
  p.as = DrawAutonomousSystems(config);
  return p;
}

std::optional<SideError> ResolvePartitionSides(const SimConfig& config, std::uint32_t event,
                                               const NodePlacement& placement,
                                               std::vector<std::uint8_t>* side_of) {
  const NetworkEventSpec& spec = config.events[event];
  PEERLAB_ASSERT(spec.kind == NetworkEventSpec::Kind::kPartition);
  PEERLAB_ASSERT(spec.sides.size() <= kMaxPartitionSides);
  const std::uint32_t n = config.nodes;
  const auto side_count = static_cast<std::uint32_t>(spec.sides.size());
  std::vector<std::uint8_t>& side = *side_of;
  side.assign(n, kNoSide);
  std::vector<double> side_share(side_count, 0);
  const std::vector<double> hashrate = NodeHashrates(config, placement.group);
  using Kind = SideSelector::Kind;

  // 1. Selectors that name nodes by what they are.
  std::vector<bool> in_as;
  for (std::uint32_t s = 0; s < side_count; ++s) {
    for (std::uint32_t k = 0; k < spec.sides[s].size(); ++k) {
      const SideSelector& sel = spec.sides[s][k];
      if (sel.kind == Kind::kWeight || sel.kind == Kind::kRest) continue;
      if (sel.kind == Kind::kAs) {
        in_as.assign(config.autonomous_systems.count + 1, false);
        for (std::uint32_t as : sel.values) in_as[as] = true;
      }
      auto take = [&](std::uint32_t i) -> std::optional<SideError> {
        if (side[i] == kNoSide || side[i] == s) {
          if (side[i] == kNoSide) side_share[s] += hashrate[i];
          side[i] = static_cast<std::uint8_t>(s);
          return std::nullopt;
        }
        return SideError{s, k,
                         "node " + std::to_string(i) + " is on side " + std::to_string(side[i]) +
                             " too (a node may be on one side only)"};
      };
      if (sel.kind == Kind::kNodes) {
        for (std::uint32_t i : sel.values) {
          PEERLAB_ASSERT(i < n);
          if (auto e = take(i)) return e;
        }
        continue;
      }
      for (std::uint32_t i = 0; i < n; ++i) {
        const bool match = sel.kind == Kind::kRegion ? placement.region[i] == sel.index
                           : sel.kind == Kind::kGroup ? placement.group[i] == sel.index
                                                      : in_as[placement.as[i]];
        if (!match) continue;
        if (auto e = take(i)) return e;
      }
    }
  }

  // 2. Hashrate targets, from one seeded walk over all nodes.
  std::vector<std::uint32_t> order;
  std::size_t cursor = 0;
  for (std::uint32_t s = 0; s < side_count; ++s) {
    for (std::uint32_t k = 0; k < spec.sides[s].size(); ++k) {
      const SideSelector& sel = spec.sides[s][k];
      if (sel.kind != Kind::kWeight) continue;
      if (order.empty()) {
        order.resize(n);
        for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
        Rng rng(config.seed, event, RngPurpose::kPartitionSides);
        for (std::uint32_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.Below(i + 1)]);
      }
      // Shares are sums of group shares / group sizes: allow for their rounding.
      constexpr double kSlack = 1e-9;
      while (side_share[s] < sel.weight - kSlack && cursor < n) {
        const std::uint32_t i = order[cursor++];
        if (side[i] != kNoSide || hashrate[i] <= 0) continue;
        side[i] = static_cast<std::uint8_t>(s);
        side_share[s] += hashrate[i];
      }
      if (side_share[s] < sel.weight - kSlack) {
        return SideError{s, k,
                         "cannot reach " + Share(sel.weight) + " of hashrate: the side has " +
                             Share(side_share[s]) + " and every other mining node is taken"};
      }
    }
  }

  // 3. The rest.
  std::uint32_t unassigned = 0;
  for (std::uint32_t s = 0; s < side_count; ++s) {
    for (const SideSelector& sel : spec.sides[s]) {
      if (sel.kind != Kind::kRest) continue;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (side[i] == kNoSide) side[i] = static_cast<std::uint8_t>(s);
      }
    }
  }
  std::vector<std::uint32_t> side_nodes(side_count, 0);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (side[i] == kNoSide) {
      ++unassigned;
    } else {
      ++side_nodes[side[i]];
    }
  }
  for (std::uint32_t s = 0; s < side_count; ++s) {
    if (side_nodes[s] == 0) {
      return SideError{s, SideError::kAll,
                       "no node is on this side (its selectors match no node, or only nodes "
                       "that an earlier selector put on another side)"};
    }
  }
  if (unassigned > 0) {
    return SideError{SideError::kAll, SideError::kAll,
                     std::to_string(unassigned) +
                         " nodes are on no side (name them, or give one side `rest`)"};
  }
  return std::nullopt;
}

}  // namespace peerlab::sim
