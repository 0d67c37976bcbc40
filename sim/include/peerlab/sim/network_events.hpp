// Network events of a scenario (partitions and their heal) and the autonomous systems nodes
// live in: the plain data the scenario layer fills and the report gives back. The engine side
// is in network_fault_state.hpp and sim/src/network_events.cpp; how sides are resolved to
// nodes is in plan/network_plan.hpp. Model and assumptions: docs/network-model.md, "Partitions".
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "peerlab/plan/plan_input.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

// The plan's vocabulary (plan/plan_input.hpp), under the names the engine and the scenario
// layer have always used.
using plan::AutonomousSystemSpec;
using plan::kMaxPartitionSides;
using plan::kMeasuredTopAses;
using plan::kMeasuredTopAsShare;
using plan::kNoSide;
using plan::PartitionSide;
using plan::SideSelector;

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
