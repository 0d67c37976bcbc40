// Transport: the seam between the engine and a packet-level network, such as the ns-3 driver
// in ns3/. The fast engine has none: messages go through LinkModel, and the only cost of the
// seam on its hot path is one predictable null test per message.
//
// With a transport, the engine keeps everything it owns (connection bookkeeping with its
// SYN/FIN signals, churn, partitions) and the family keeps its nodes; the transport carries
// the messages of ordinary connections (dedicated pipes keep their own): for each, a byte
// count and the family's opaque handle. It moves that many bytes through its network in
// order per connection and, when the last byte has arrived, hands the handle back through
// Engine::DeliverFromTransport; it releases the handles of a connection that closes
// (Engine::ReleaseMessage). It owns the clock: Run drives the engine's events through
// Engine::RunEventsUntil so there is one ordered timeline.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>


namespace peerlab::sim {

class Engine;
struct NetworkSpec;
struct ProgressInfo;

class Transport {
 public:
  virtual ~Transport() = default;
  // Once, while the engine is set up: every node has its region and bandwidths, and no
  // connection exists yet.
  virtual void Attach(Engine& engine) = 0;
  // A connection opened by (a, a_slot) to (b, b_slot), as both nodes name it.
  virtual void Open(std::uint32_t a, std::uint32_t a_slot, std::uint32_t b,
                    std::uint32_t b_slot) = 0;
  // The connection at (node, slot) is closed, at both ends.
  virtual void Close(std::uint32_t node, std::uint32_t slot) = 0;
  // `node` sends a message of `bytes` named `m` on its connection `slot` (open); the transport
  // holds the reference until it delivers or releases it.
  virtual void Send(std::uint32_t node, std::uint32_t slot, std::uint32_t bytes,
                    std::uint32_t m) = 0;
  // A delay partition started or healed: crossing latency changes.
  virtual void PartitionChanged() = 0;
  // Runs to the engine's stop condition.
  virtual void Run(const std::function<void(const ProgressInfo&)>& progress,
                   std::uint64_t every_events) = 0;
  // Events of the packet simulator (for run.json's perf and the benchmarks).
  virtual std::uint64_t network_events() const = 0;
  // Named counters of the packet simulator (run.json's perf lists them; ns-3: its hosts'
  // queue drops and ECN marks), in a fixed order.
  virtual std::vector<std::pair<std::string, std::uint64_t>> network_counters() const { return {}; }
};

// Makes a transport for a network (the scenario layer passes ns-3's when built with it).
using TransportFactory = std::function<std::unique_ptr<Transport>(const NetworkSpec&)>;

}  // namespace peerlab::sim
