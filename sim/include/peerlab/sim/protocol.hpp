// Protocol: what a protocol family gives the engine, and the loop that drives it.
//
// The engine (engine.hpp) owns time, events and the network: connections and their slots,
// the link models and transports that carry messages, partitions, churn, outages and link
// failures. It knows nothing of what the messages mean. A protocol family (Bitcoin in
// families/bitcoin/sim, the tests' flood gossip) owns its nodes, their messages and stores
// and what it measures; it names a message to the engine by an opaque `MessageHandle` with a
// byte count, and hears back through this interface.
//
// Two kinds of calls. The hot ones (a message arrives, a timer fires, the family's oracle and
// workload events) are made by RunEvents (run_events.hpp), a template over the family's
// concrete type, so they are direct calls the compiler may inline: the run is bound by memory
// latency and one indirect call per event would show. The rest (connections coming and going, nodes going
// offline and back, the family's own lifecycle events, a transport's deliveries) are virtual.
//
// Contract: the engine calls a family only from inside Engine's event handling (never
// re-entrantly from a family's own call into the engine, except where a method says so), in
// the total event order of event_queue.hpp; a family must not throw out of these calls.
#pragma once

#include <concepts>
#include <cstdint>

#include "peerlab/sim/event_queue.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

using NodeIndex = std::uint32_t;
using Slot = std::uint32_t;           // a node's name for one of its connections
using MessageHandle = std::uint32_t;  // the family's name for a message; opaque to the engine
using Address = std::uint32_t;        // where a node listens (engine.hpp: AddressOf, NodeOf)

// Connections carry a class the family chooses (0 by default; Bitcoin: 1 is block-relay-only)
// and may be probes (opened to test an address, then closed; Bitcoin's feelers).
struct ConnectionKind {
  std::uint8_t connection_class = 0;  // 0 to 3
  bool probe = false;
};

// A connection is up at one end.
struct PeerUp {
  Slot slot;
  bool inbound;  // the other end opened it
  ConnectionKind kind;
  Address remote;  // the address this end sees at the other end
};

class Protocol {
 public:
  virtual ~Protocol() = default;
  virtual void OnPeerUp(NodeIndex node, const PeerUp& up) = 0;
  // The other end closed the connection, or the network did.
  virtual void OnPeerDown(NodeIndex node, Slot slot) = 0;
  // An Engine::Connect found nobody (or the remote refused at once).
  virtual void OnConnectFailed(NodeIndex node, Address address) = 0;
  // `node` goes offline now (before its connections close) / is back online.
  virtual void OnOffline(NodeIndex node) = 0;
  virtual void OnOnline(NodeIndex node) = 0;
  // A lifecycle event the family pushed (Engine::PushLifecycle with a family code).
  virtual void OnFamilyLifecycle(const Event& e) = 0;
  // A partition healed (its index in Engine::partitions()).
  virtual void OnHeal(std::uint32_t partition) = 0;
  // The engine dropped a message it held (its connection closed before it was delivered).
  virtual void ReleaseMessage(MessageHandle m) = 0;
  // A second reference to `m` for a duplicate delivery (a message fault, network.faults): the
  // same handle with one more reference, or a copy; released like any other. Called from the
  // sender's event (its shard's context); families that cannot return false from
  // CanDuplicateMessages and the engine refuses duplicating faults.
  virtual bool CanDuplicateMessages() const { return false; }
  virtual MessageHandle DuplicateMessage(MessageHandle m) { return m; }
  // A message fault dropped `m` on its way to `to`'s connection `to_slot` (of that slot's
  // `generation`); ReleaseMessage(m) follows. A family whose connections are TCP streams can
  // keep what was sent after it from being delivered (a stream with a hole delivers nothing
  // more). Called from the sender's event (its shard's context): a family that can shard must
  // touch only state of that context here.
  virtual void OnMessageLost(NodeIndex /*to*/, Slot /*to_slot*/, std::uint32_t /*generation*/,
                             MessageHandle /*m*/) {}
  // A transport delivers a message (the engine checked the connection is current).
  virtual void DeliverFromTransport(NodeIndex node, Slot slot, MessageHandle m) = 0;
  // A transport drives the clock: run the engine's events up to `t` (sim::RunEvents).
  virtual void RunEventsUntil(TimeNs t) = 0;
  // The family's count of finished work for progress lines (Bitcoin: blocks mined).
  virtual std::uint32_t progress_count() const = 0;
  // A network window ended (Engine::SetNetworkWindow): what the family held back for it (its
  // run-wide records of what nodes did) is applied now, in the order it happened. Also called
  // before every network event and at the end of the run.
  virtual void OnWindowEnd() {}
  // Every shard's window has run and `shard`'s worker applies what was held for it (before
  // OnWindowEnd, on that worker's thread, while the other shards' workers do theirs): what
  // the family held for state of `shard`'s context alone (its message pool) may be applied
  // here, touching nothing of another context.
  virtual void OnShardWindowEnd(std::uint32_t /*shard*/) {}
  // The family's node events may run on several shards at once (Engine's parallel engine):
  // they write only their own node's state, per-context scratch (Engine::context_index) and
  // records held for OnWindowEnd, and never call StopAt or push events outside the nodes.
  virtual bool CanShard() const { return false; }
};

// The hot calls RunEvents makes. `OnMessage` takes over the engine's reference to `m`.
template <class F>
concept ProtocolFamily = std::derived_from<F, Protocol> &&
    requires(F& f, const Event& e, const Event* after, NodeIndex node, Slot slot,
             MessageHandle m) {
      f.OnMessage(node, slot, m);
      f.OnTimer(e);
      f.OnOracle(e);
      f.OnWorkload(e);
      f.Prefetch(e, after);  // hints: the next event, and the one after it when known
    };

}  // namespace peerlab::sim
