// Transport: the seam between the engine (Simulation) and a packet-level network, such as the
// ns-3 driver in ns3/. The fast engine has none: messages go through LinkModel, and the only
// cost of the seam on its hot path is one predictable null test per message.
//
// With a transport, Simulation keeps everything it owns (nodes, mining oracle, connection
// bookkeeping with its SYN/FIN signals, churn, partitions, adversaries, reporting) and hands
// the transport only the messages of ordinary connections (a strategy's rushing links keep
// their own pipes). The transport carries their bytes, gives decoded messages back through
// Simulation::DeliverFromTransport, and owns the clock: Run drives Simulation's own events
// through Simulation::RunEventsUntil so there is one ordered timeline.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "peerlab/bitcoin/message.hpp"
#include "peerlab/bitcoin/node.hpp"

namespace peerlab::sim {

class Simulation;
struct SimConfig;
struct ProgressInfo;

class Transport {
 public:
  virtual ~Transport() = default;
  // Once, while Simulation is set up: every node has its region and bandwidths, and no
  // connection exists yet.
  virtual void Attach(Simulation& sim) = 0;
  // A connection opened by (a, a_slot) to (b, b_slot), as both nodes name it.
  virtual void Open(std::uint32_t a, bitcoin::PeerId a_slot, std::uint32_t b,
                    bitcoin::PeerId b_slot) = 0;
  // The connection at (node, slot) is closed, at both ends.
  virtual void Close(std::uint32_t node, bitcoin::PeerId slot) = 0;
  // `node` sends `m` on its connection `slot` (open). `m` is only valid during the call.
  virtual void Send(std::uint32_t node, bitcoin::PeerId slot, const bitcoin::Message& m) = 0;
  // A delay partition started or healed: crossing latency changes.
  virtual void PartitionChanged() = 0;
  // Runs to Simulation's stop condition.
  virtual void Run(const std::function<void(const ProgressInfo&)>& progress,
                   std::uint64_t every_events) = 0;
  // Events of the packet simulator (for run.json's perf and the benchmarks).
  virtual std::uint64_t network_events() const = 0;
};

// Makes a transport for a config (the scenario layer passes ns-3's when built with it).
using TransportFactory = std::function<std::unique_ptr<Transport>(const SimConfig&)>;

}  // namespace peerlab::sim
