// Which side of a partition each node is on (network_plan.hpp, ResolvePartitionSides).
#include <algorithm>
#include <cstdio>
#include <string>

#include "peerlab/plan/network_plan.hpp"
#include "peerlab/plan/rng_purposes.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::plan {
namespace {

std::string Share(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

// Node indexes and AS numbers a selector names must exist: the scenario layer checks them
// while parsing; this guards inputs built some other way.
std::optional<SideError> CheckValues(const PlanInput& input, const PartitionInput& partition) {
  using Kind = SideSelector::Kind;
  for (std::uint32_t s = 0; s < partition.sides.size(); ++s) {
    for (std::uint32_t k = 0; k < partition.sides[s].size(); ++k) {
      const SideSelector& sel = partition.sides[s][k];
      for (std::uint32_t v : sel.values) {
        if (sel.kind == Kind::kNodes && v >= input.nodes) {
          return SideError{s, k,
                           "no node " + std::to_string(v) + " (there are " +
                               std::to_string(input.nodes) + ")"};
        }
        if (sel.kind == Kind::kAs && (v < 1 || v > input.autonomous_systems.count)) {
          return SideError{s, k,
                           "no AS " + std::to_string(v) + " (there are " +
                               std::to_string(input.autonomous_systems.count) + ")"};
        }
      }
    }
  }
  return std::nullopt;
}

// Whether node i is what a `region`, `group` or `as` selector names (`in_as`: the selector's
// ASes, indexed by AS number).
bool Names(const SideSelector& sel, const NetworkPlan& placement, const std::vector<bool>& in_as,
           std::uint32_t i) {
  using Kind = SideSelector::Kind;
  return sel.kind == Kind::kRegion ? placement.region[i] == sel.index
         : sel.kind == Kind::kGroup ? placement.group[i] == sel.index
                                    : in_as[placement.as[i]];
}

std::vector<bool> AsesOf(const SideSelector& sel) {
  std::uint32_t top = 0;
  for (std::uint32_t as : sel.values) top = std::max(top, as);
  std::vector<bool> in_as(top + 1, false);
  for (std::uint32_t as : sel.values) in_as[as] = true;
  return in_as;
}

}  // namespace

std::vector<std::uint8_t> NodesNamed(const std::vector<SideSelector>& selectors,
                                     const NetworkPlan& placement) {
  using Kind = SideSelector::Kind;
  const auto n = static_cast<std::uint32_t>(placement.region.size());
  std::vector<std::uint8_t> named(n, 0);
  for (const SideSelector& sel : selectors) {
    PEERLAB_ASSERT(sel.kind != Kind::kWeight && sel.kind != Kind::kRest);
    if (sel.kind == Kind::kNodes) {
      for (std::uint32_t i : sel.values) {
        if (i < n) named[i] = 1;
      }
      continue;
    }
    std::vector<bool> in_as = sel.kind == Kind::kAs ? AsesOf(sel) : std::vector<bool>{};
    for (std::uint32_t i = 0; i < n; ++i) {
      if (sel.kind == Kind::kAs && placement.as[i] >= in_as.size()) continue;
      if (Names(sel, placement, in_as, i)) named[i] = 1;
    }
  }
  return named;
}

std::optional<SideError> ResolvePartitionSides(const PlanInput& input,
                                               const PartitionInput& partition,
                                               const NetworkPlan& placement,
                                               std::vector<std::uint8_t>* side_of) {
  const std::vector<PartitionSide>& sides = partition.sides;
  const std::uint32_t n = input.nodes;
  std::vector<std::uint8_t>& side = *side_of;
  side.assign(n, kNoSide);
  if (sides.size() < 2 || sides.size() > kMaxPartitionSides) {
    return SideError{SideError::kAll, SideError::kAll,
                     "expected 2 to " + std::to_string(kMaxPartitionSides) + " sides"};
  }
  if (auto e = CheckValues(input, partition)) return e;
  const auto side_count = static_cast<std::uint32_t>(sides.size());
  std::vector<double> side_share(side_count, 0);
  const std::vector<double> hashrate = NodeHashrates(input.groups, placement.group);
  using Kind = SideSelector::Kind;

  // 1. Selectors that name nodes by what they are.
  std::vector<bool> in_as;
  for (std::uint32_t s = 0; s < side_count; ++s) {
    for (std::uint32_t k = 0; k < sides[s].size(); ++k) {
      const SideSelector& sel = sides[s][k];
      if (sel.kind == Kind::kWeight || sel.kind == Kind::kRest) continue;
      if (sel.kind == Kind::kAs) {
        in_as = AsesOf(sel);
        in_as.resize(input.autonomous_systems.count + 1, false);
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
          if (auto e = take(i)) return e;
        }
        continue;
      }
      for (std::uint32_t i = 0; i < n; ++i) {
        if (!Names(sel, placement, in_as, i)) continue;
        if (auto e = take(i)) return e;
      }
    }
  }

  // 2. Hashrate targets, from one seeded walk over all nodes.
  std::vector<std::uint32_t> order;
  std::size_t cursor = 0;
  for (std::uint32_t s = 0; s < side_count; ++s) {
    for (std::uint32_t k = 0; k < sides[s].size(); ++k) {
      const SideSelector& sel = sides[s][k];
      if (sel.kind != Kind::kWeight) continue;
      if (order.empty()) {
        order.resize(n);
        for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
        Rng rng(input.seed, partition.event, rng_purpose::kPartitionSides);
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
    for (const SideSelector& sel : sides[s]) {
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

}  // namespace peerlab::plan
