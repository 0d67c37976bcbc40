// The engine's bookkeeping for scenario network events (Simulation's, see
// sim/src/network_events.cpp): the partition in effect, what it closed, and what the report
// needs afterwards. Sizes: one byte per node per partition, one entry per closed connection,
// one counter per block.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/sim/network_events.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

struct NetworkFaultState {
  struct Partition {
    TimeNs at = 0;
    TimeNs healed_at = -1;
    TimeNs consistent_at = -1;  // first time after the heal that the family saw agreement
    PartitionMode mode = PartitionMode::kDrop;
    DurationNs delay = 0;
    std::uint32_t side_count = 0;
    std::vector<std::uint8_t> side_of;  // per node
  };
  // A connection a drop partition closed, to be reopened by the same end at the heal.
  struct ClosedLink {
    std::uint32_t opener;
    std::uint32_t target;
    std::uint8_t connection_class;
  };

  std::uint32_t next_event = 0;          // index into NetworkSpec::events
  std::vector<std::vector<std::uint8_t>> planned_sides;  // per event; resolved at setup
  std::vector<Partition> partitions;     // in the order they started
  bool active = false;                   // partitions.back() is in effect
  std::vector<ClosedLink> closed;        // by the drop partition in effect
  // Delay partitions: the one in effect delays crossing messages; after it heals, what crosses
  // its sides still may not overtake the delayed messages on their connection, until `until`
  // (the last delayed arrival). Several may drain at once (a partition that starts and heals
  // while an earlier one drains).
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::uint32_t delaying = kNone;  // index into partitions
  struct Drain {
    std::uint32_t partition;
    TimeNs until;
  };
  std::vector<Drain> draining;  // in the order they healed
  std::vector<TimeNs> delayed_until;  // per node: latest arrival of a delayed message to it
};

}  // namespace peerlab::sim
