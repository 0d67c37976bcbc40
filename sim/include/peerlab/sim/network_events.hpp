// Network events of a scenario (partitions and their heal) and the autonomous systems nodes
// live in: the plain data the scenario layer fills and the report gives back. The engine side
// is in network_fault_state.hpp and sim/src/network_events.cpp; how sides are resolved to
// nodes is in placement.hpp. Model and assumptions: docs/network-model.md, "Partitions".
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "peerlab/util/time.hpp"

namespace peerlab::sim {

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
    // Nodes with a share of the family's power (Bitcoin: hashrate), in a seeded order, until
    // the side holds `weight` of it (placement.hpp).
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

enum class PartitionMode : std::uint8_t {
  kDrop,   // crossing connections close; new ones across sides fail; heal reopens them
  kDelay,  // crossing messages take `delay` longer; connections stay up
};

struct NetworkEventSpec {
  enum class Kind : std::uint8_t { kPartition, kHeal };
  Kind kind = Kind::kPartition;
  TimeNs at = 0;
  // kPartition only.
  std::vector<PartitionSide> sides;
  PartitionMode mode = PartitionMode::kDrop;
  DurationNs delay = 30 * kSecond;  // kDelay
};

}  // namespace peerlab::sim
