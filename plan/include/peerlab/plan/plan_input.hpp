// What the network plan is computed from: the network part of a scenario as plain data (node
// count, region shares, group sizes, AS settings, partition side selectors, seed). sim's
// SimConfig produces it (sim/plan_input.hpp); the plan never sees the engine's types.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace peerlab::plan {

// Which autonomous system (AS) each node is in: a seeded draw from a Zipf law over `count`
// ASes, AS k (1-based rank) with probability proportional to k^-exponent.
struct AutonomousSystemSpec {
  std::uint32_t count = 2000;
  // Unset: fitted so that the 13 largest ASes host 30 % of nodes in expectation (Apostolaki
  // et al. 2017, "Hijacking Bitcoin"), whatever `count` is.
  std::optional<double> zipf_exponent;
};
// The measurement the default exponent is fitted to.
inline constexpr std::uint32_t kMeasuredTopAses = 13;
inline constexpr double kMeasuredTopAsShare = 0.30;

// One entry of a partition side: the nodes it names.
struct SideSelector {
  enum class Kind : std::uint8_t {
    kRegion,    // every node of region `index`
    kGroup,     // every node of group `index`
    kNodes,     // the node indexes in `values`
    kAs,        // every node in one of the ASes in `values`
    // Nodes with a share of the family's power (Bitcoin: hashrate, the YAML's `hashrate`
    // selector), in a seeded order, until the side holds `weight` of it (network_plan.hpp).
    kWeight,
    kRest,      // every node no other side took
  };
  Kind kind = Kind::kRest;
  std::uint32_t index = 0;
  std::vector<std::uint32_t> values;
  double weight = 0;
};
using PartitionSide = std::vector<SideSelector>;

// Sides are numbered by a byte per node.
inline constexpr std::uint32_t kMaxPartitionSides = 16;
inline constexpr std::uint8_t kNoSide = 0xff;

// A group as placement sees it: how many nodes it takes and its share of total hashrate
// (split evenly among its nodes).
struct GroupShape {
  bool rest = false;             // takes every node no other group takes
  std::uint32_t node_count = 0;  // when !rest
  double hashrate = 0;           // in [0, 1]
};

// One partition event's sides.
struct PartitionInput {
  // The event's index among all of the scenario's events (heals included): the owner of its
  // side stream, so adding a heal before it shifts its draws as it always has.
  std::uint32_t event = 0;
  std::vector<PartitionSide> sides;
};

struct PlanInput {
  std::uint64_t seed = 1;
  std::uint32_t nodes = 0;
  std::vector<double> region_shares;  // share of nodes per region, in table order; sums to 1
  std::vector<GroupShape> groups;     // in file order
  AutonomousSystemSpec autonomous_systems;
  std::vector<PartitionInput> partitions;  // in event order
};

}  // namespace peerlab::plan
