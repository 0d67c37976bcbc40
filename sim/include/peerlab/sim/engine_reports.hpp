// The small value types of the engine's API: what it reports (progress, connections and their
// snapshots, churn) and what a family passes when it adds a link of its own (DedicatedPipe).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "peerlab/util/time.hpp"

namespace peerlab::sim {

struct ProgressInfo {
  TimeNs now;
  std::uint32_t completed;  // the family's count of finished work (Bitcoin: blocks mined)
  std::uint64_t events;
  std::size_t pending_events;
  std::uint64_t network_events = 0;  // the ns-3 backend's packet-level events (0: fast engine)
};

// An open connection, as topology exports and snapshots list it (from the opener).
struct EdgeRow {
  std::uint32_t source;
  std::uint32_t target;
  std::uint8_t connection_class;  // ConnectionKind::connection_class
  bool dedicated;                 // a family's own pipe (AddEdge with a DedicatedPipe)
};
struct TopologySnapshot {
  TimeNs at;
  std::vector<EdgeRow> edges;
};

struct ChurnReport {
  std::uint32_t nodes = 0;        // churning nodes
  std::uint64_t departures = 0;   // a node went offline (churn and scheduled outages)
  std::uint64_t arrivals = 0;     // ... and came back
  std::uint64_t link_failures = 0;
  std::uint32_t offline_at_end = 0;
};

// A fixed link with its own pipe (latency + bandwidth), outside the nodes' uplinks and
// partitions: a strategy's private network (Bitcoin: rushing links).
struct DedicatedPipe {
  DurationNs latency = 0;
  double bandwidth_bps = 0;
};

}  // namespace peerlab::sim
