// Region, group and AS per node. The draws are the ones the engine has always made (same
// streams, same order of draws), so results recorded before the plan existed still reproduce.
#include "peerlab/plan/network_plan.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "peerlab/plan/rng_purposes.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::plan {
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

std::vector<std::uint32_t> DrawRegions(const PlanInput& input) {
  const std::vector<double>& shares = input.region_shares;
  Rng rng(input.seed, 0, rng_purpose::kRegionAssignment);
  std::vector<std::uint32_t> region_of(input.nodes);
  for (std::uint32_t i = 0; i < input.nodes; ++i) {
    const double u = rng.Uniform();
    double cumulative = 0;
    auto region = static_cast<std::uint32_t>(shares.size() - 1);
    for (std::uint32_t r = 0; r < shares.size(); ++r) {
      cumulative += shares[r];
      if (u < cumulative) {
        region = r;
        break;
      }
    }
    region_of[i] = region;
  }
  return region_of;
}

Result<std::vector<std::uint32_t>> AssignGroups(const PlanInput& input) {
  const std::uint32_t n = input.nodes;
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
  Rng rng(input.seed, 0, rng_purpose::kGroupAssignment);
  for (std::uint32_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng.Below(i + 1)]);
  std::vector<std::uint32_t> group_of(n, UINT32_MAX);
  std::size_t next = 0;
  std::uint32_t rest_group = UINT32_MAX;
  for (std::uint32_t g = 0; g < input.groups.size(); ++g) {
    if (input.groups[g].rest) {
      rest_group = g;
      continue;
    }
    if (next + input.groups[g].node_count > n) {
      return Status::Error("groups: more nodes in groups than network.nodes");
    }
    for (std::uint32_t k = 0; k < input.groups[g].node_count; ++k) group_of[order[next++]] = g;
  }
  for (; next < n; ++next) {
    if (rest_group == UINT32_MAX) return Status::Error("groups: some nodes belong to no group");
    group_of[order[next]] = rest_group;
  }
  return group_of;
}

std::vector<std::uint32_t> DrawAutonomousSystems(const PlanInput& input) {
  const AutonomousSystemSpec& spec = input.autonomous_systems;
  PEERLAB_ASSERT(spec.count >= 1);
  const double s = ZipfExponent(spec);
  std::vector<double> cumulative(spec.count);
  double total = 0;
  for (std::uint32_t k = 1; k <= spec.count; ++k) {
    total += std::pow(static_cast<double>(k), -s);
    cumulative[k - 1] = total;
  }
  Rng rng(input.seed, 0, rng_purpose::kAutonomousSystems);
  std::vector<std::uint32_t> as_of(input.nodes);
  for (std::uint32_t i = 0; i < input.nodes; ++i) {
    const double u = rng.Uniform() * total;
    const auto k = static_cast<std::uint32_t>(
        std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
    as_of[i] = std::min(k, spec.count - 1) + 1;  // u < total, so k < count but for rounding
  }
  return as_of;
}

}  // namespace

bool NetworkPlan::ok() const {
  if (!group_status.ok()) return false;
  for (const PartitionPlan& p : partitions) {
    if (p.error) return false;
  }
  return true;
}

const PartitionPlan* NetworkPlan::partition(std::uint32_t event) const {
  for (const PartitionPlan& p : partitions) {
    if (p.event == event) return &p;
  }
  return nullptr;
}

PartitionPlan* NetworkPlan::partition(std::uint32_t event) {
  return const_cast<PartitionPlan*>(std::as_const(*this).partition(event));
}

NetworkPlan ComputePlan(const PlanInput& input) {
  NetworkPlan plan;
  plan.region = DrawRegions(input);
  auto groups = AssignGroups(input);
  if (groups.ok()) {
    plan.group = std::move(groups).value();
  } else {
    plan.group_status = groups.status();
  }
  plan.as = DrawAutonomousSystems(input);
  if (!plan.group_status.ok()) return plan;
  plan.partitions.reserve(input.partitions.size());
  for (const PartitionInput& partition : input.partitions) {
    PartitionPlan& p = plan.partitions.emplace_back();
    p.event = partition.event;
    p.error = ResolvePartitionSides(input, partition, plan, &p.side_of);
  }
  return plan;
}

std::vector<double> NodeHashrates(const std::vector<GroupShape>& groups,
                                  const std::vector<std::uint32_t>& group_of) {
  std::vector<std::uint32_t> size(groups.size(), 0);
  for (std::uint32_t g : group_of) ++size[g];
  std::vector<double> share(group_of.size());
  for (std::size_t i = 0; i < group_of.size(); ++i) {
    share[i] = groups[group_of[i]].hashrate / size[group_of[i]];
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

}  // namespace peerlab::plan
