// RunEvents: the loop that drives a protocol family on the engine (protocol.hpp, engine.hpp).
// A template over the family's concrete type, so the hot calls (a message arrives, a timer
// fires) are direct calls the compiler may inline.
#pragma once

#include <cstdint>
#include <functional>

#include "peerlab/sim/engine.hpp"

namespace peerlab::sim {

// Hands one event to whoever handles it: the hot kinds straight to the family's concrete
// methods, the network's own to Engine::Dispatch.
template <ProtocolFamily F>
[[gnu::always_inline]] inline void HandleEvent(Engine& engine, F& family, const Event& e) {
  switch (e.kind()) {
    case EventKind::kDeliver:
      // A node drops what arrives on a connection it closed; a reused slot gets nothing of
      // its old connection (see Engine::PeerLink).
      if (!engine.Deliverable(e)) [[unlikely]] {
        engine.DropDelivery(e);
        break;
      }
      family.OnMessage(e.a, e.b, e.c);
      break;
    case EventKind::kTimer:
      if (engine.TimerAlive(e)) family.OnTimer(e);
      break;
    case EventKind::kOracle:
      family.OnOracle(e);
      break;
    case EventKind::kWorkload:
      family.OnWorkload(e);
      break;
    default:
      engine.Dispatch(e);
      break;
  }
}

// Runs `family`'s events in total order up to min(until, the end); on several shards in
// windows (Engine::RunShards), which gives the same results.
// A family's Prefetch must be inlined ([[gnu::always_inline]]): GCC drops a call to a
// function that only prefetches.
template <ProtocolFamily F>
void RunEvents(Engine& engine, F& family, TimeNs until,
               const std::function<void(std::uint64_t events)>& tick = {},
               std::uint64_t every_events = 1u << 18) {
  Event e;
  if (engine.sharded()) {
    Engine::ShardCalls calls;
    calls.run_shard = [&engine, &family](std::uint32_t shard) {
      Event event;
      while (engine.NextInShard(shard, event)) {
        if (const Event* next = engine.PeekShard(shard)) {
          family.Prefetch(*next, engine.PeekShardSecond(shard));
          engine.PrefetchEngineState(*next);
        }
        HandleEvent(engine, family, event);
      }
    };
    calls.run_global = [&engine, &family](const Event& event) { HandleEvent(engine, family, event); };
    calls.tick = tick;
    calls.every_events = every_events;
    engine.RunShards(until, calls);
    return;
  }
  while (engine.Next(until, e)) {
    // The run is bound by memory latency (each event touches a random node): let the family
    // start loading what the next events need while this one is handled.
    if (const Event* next = engine.peek()) {
      family.Prefetch(*next, engine.peek_second());
      engine.PrefetchEngineState(*next);
    }
    HandleEvent(engine, family, e);
    if (tick && engine.events_processed() % every_events == 0) tick(engine.events_processed());
  }
}

}  // namespace peerlab::sim
