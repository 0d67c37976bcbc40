// What goes wrong in a generated case, for every family (bitcoin_case.hpp, tendermint_case.hpp):
// partitions one after another, and message faults (`network.faults`), drawn within a span of
// time, rendered to YAML and cut down by the shrinker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "peerlab/util/rng.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::explore {

// [at, at + length) with one side the listed nodes (or, when `side_groups` is set, the nodes of
// those groups), the other the rest.
struct CasePartition {
  DurationNs at = 0, length = 0;
  bool delay_mode = false;
  DurationNs delay = 0;
  std::vector<std::uint32_t> side;
  std::vector<std::string> side_groups;
};

struct CaseFault {
  std::vector<std::uint32_t> from, to;  // empty: every node
  DurationNs start = 0, end = 0;
  double drop = 0, duplicate = 0;
  DurationNs delay = 0, reorder = 0;
};

struct CaseFaults {
  std::vector<CasePartition> partitions;  // in time order, not overlapping
  std::vector<CaseFault> faults;

  // When the last partition heals and the last fault ends (0 if none).
  DurationNs end() const;
  // `network.faults` entries (indented for the network mapping) and the `events` list; empty
  // when there are none.
  std::string FaultsYaml() const;
  std::string EventsYaml() const;
  // Node lists cut to `nodes`; false when a side or a node set empties, or a side would hold
  // every node.
  bool ClipTo(std::uint32_t nodes);
  // One variant per partition and per fault, leaving it out.
  std::vector<CaseFaults> WithoutOne() const;
};

struct FaultRanges {
  DurationNs by = 0;               // everything ends by then
  DurationNs min_partition = 0;     // shortest partition
  DurationNs partition_delay_min = 0, partition_delay_max = 0;  // mode delay
  DurationNs fault_delay_max = 0;  // a fault's delay, and its reorder bound
};

// 0 to 2 partitions and 0 to 2 faults over `nodes` nodes (docs/testing.md gives the shares).
CaseFaults DrawCaseFaults(Rng& rng, std::uint32_t nodes, const FaultRanges& ranges);

}  // namespace peerlab::explore
