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

// One message fault (`network.faults[<i>]`; docs/network-model.md, "Message faults"): what
// happens on the way to the family's messages that leave a sender it names for a receiver it
// names within [start, end). Every matching fault acts (in list order): a drop by any of them
// loses the message, their extra delays add up, and a duplicate by any of them delivers it
// twice. Connection set-up and close, and a family's dedicated links, are not affected.
struct MessageFaultSpec {
  std::vector<SideSelector> from;  // senders (`region`, `group`, `nodes`, `as`); empty: every node
  std::vector<SideSelector> to;    // receivers, the same way
  TimeNs start = 0;
  TimeNs end = kTimeNever;
  double drop = 0;       // share of messages lost after crossing both links
  double duplicate = 0;  // share delivered twice (the copy draws its own extra delay)
  DurationNs delay = 0;    // extra one-way latency of every message
  DurationNs reorder = 0;  // plus a uniform extra in [0, reorder): messages may overtake
};

}  // namespace peerlab::sim
