// Engine: shards and windows, the parallel engine (engine.hpp, "Shards"; docs/performance.md,
// "The parallel engine").
//
// Why results do not depend on shards or threads: every node event changes only its own node
// at once (a message's departure, a dial, a close); what reaches another node (a message's
// arrival and the receiver's downlink, a signal, a timer of another shard) takes at least the
// latency floor, so a window that long can run each shard alone and apply what crossed at its
// end. Event keys are taken when the work is done, and held work carries its place in the total
// order (WindowOrder), so it is applied in the one order of a single queue.
#include <algorithm>
#include <numeric>
#include <thread>
#include <cstdio>

#include "peerlab/sim/engine.hpp"
#include "peerlab/sim/shard_claims.hpp"
#include "shard_threads.hpp"

namespace peerlab::sim {
namespace {

bool OutsideTheNodes(EventKind kind) {
  return kind == EventKind::kOracle || kind == EventKind::kWorkload ||
         kind == EventKind::kNetworkEvent || kind == EventKind::kLifecycle;
}

}  // namespace

std::uint32_t Engine::ResolveThreads(std::uint32_t requested, std::uint32_t nodes) {
  if (requested != 0) return std::min(requested, kMaxShards);
  if (nodes < kAutoThreadsMinNodes) return 1;
  return std::clamp<std::uint32_t>(std::thread::hardware_concurrency(), 1, kMaxShards);
}

void Engine::SetUpShards() {
  const std::uint32_t threads = ResolveThreads(spec_.threads, node_count());
  const std::uint32_t requested =
      std::min(kMaxShards, spec_.shards_for_tests != 0 ? spec_.shards_for_tests : threads);
  if (requested <= 1 || transport_ || protocol_ == nullptr || !protocol_->CanShard() ||
      latency_floor() <= 0 || requested > node_count()) {
    return;
  }
  const std::uint32_t k = requested;
  // More threads than cores would only take turns at every window's barriers: on 2 cores,
  // double-spend.yaml took 2.1 s on 1 thread, 35 s on 4 and 84 s on 8 (mostly system time).
  // So the shards asked for are kept (results do not depend on them anyway) and at most one
  // thread per core runs them.
  const std::uint32_t cores = std::max(1u, std::thread::hardware_concurrency());
  threads_ = std::min(std::clamp<std::uint32_t>(threads, 1, k), cores);
  if (network_window_ == 0) SetNetworkWindow(latency_floor());
  shard_map_ = ShardMap(node_count(), k);
  if (flow_links_) flow_links_->SetShards(shard_map_);

  // Contexts: one per shard, then the serial one, which keeps the clock and counters so far.
  PEERLAB_ASSERT(serial_->held[0].empty() && serial_->crossing[0].empty());
  Context before = std::move(*serial_);
  contexts_ = std::vector<Context>(k + 1);
  contexts_[k] = std::move(before);
  for (std::uint32_t i = 0; i <= k; ++i) {
    contexts_[i].index = i;
    contexts_[i].now = contexts_[k].now;
    contexts_[i].held.assign(k, {});
    contexts_[i].crossing.assign(k, {});
  }
  serial_ = &contexts_[k];
  merge_scratch_.assign(k, {});

  // What set-up pushed moves to its shard's queue (or the queue outside the nodes).
  EventQueue all = std::move(queues_[0]);
  queues_ = std::vector<OnOwnLines<EventQueue>>(k + 1);
  while (!all.empty()) PushSharded(all.Pop());
  std::map<std::uint64_t, Address> aliases = std::move(link_alias_[0]);
  link_alias_.assign(k, {});
  for (const auto& [key, address] : aliases) {
    link_alias_[shard_of(static_cast<NodeIndex>(key >> 32))][key] = address;
  }
}

void Engine::PushSharded(const Event& e) {
  const bool outside = OutsideTheNodes(e.kind());
  const std::uint32_t dest = outside ? shard_count() : shard_of(e.a);
  Context* x = tls_context_;
  if (x != nullptr && x->index != dest) {  // from a shard's window, for another queue
    // Node events push nothing outside the nodes (Protocol::CanShard), and what they push to
    // another shard lies beyond the window.
    PEERLAB_ASSERT(!outside && e.time >= window_bound_.time);
    x->crossing[dest].push_back(e);
    return;
  }
  queues_[dest].Push(e);
}

void Engine::FlushInto(std::uint32_t shard) {
  EventQueue& queue = queues_[shard];
  TimeNs original_arrival = 0;  // of the last message: a duplicate's follows it at once
  const auto apply = [&](const HeldArrival& h) {
    TimeNs arrival = h.signal ? h.departure.up_end
                     : h.copy ? original_arrival
                              : links_.Arrive(h.departure);
    if (!h.deliver) return;
    if (faults_in_path_ && !h.copy) [[unlikely]] {
      arrival = CrossingArrival(h.from, h.departure.to, arrival, h.order.at);
    }
    if (message_faults_ && !h.signal) [[unlikely]] {
      // The same decision the sender took (HoldWithFaults): only the delay is needed here.
      original_arrival = arrival;
      arrival = SaturatingAdd(
          arrival, message_faults_->Decide(h.from, h.departure.to, h.sequence, h.order.at).delay);
    }
    // The window is no longer than any message takes: nothing arrives inside it.
    PEERLAB_ASSERT(arrival >= window_end_);
    queue.Push(Event{arrival, Event::MakeKey(h.kind, h.from, h.sequence), h.departure.to, h.b,
                     h.c, h.generation});
  };
  const auto by_order = [](const HeldArrival& x, const HeldArrival& y) { return x.order < y.order; };
  if (shuffle_held_) {  // the test hook: gathered, shuffled and sorted back
    std::vector<HeldArrival>& all = merge_scratch_.empty() ? contexts_[0].held[0] : merge_scratch_[shard];
    for (Context& x : contexts_) {
      if (&x.held[shard] == &all) continue;
      all.insert(all.end(), x.held[shard].begin(), x.held[shard].end());
      x.held[shard].clear();
    }
    ShuffleHeld(all);
    std::sort(all.begin(), all.end(), by_order);
    for (const HeldArrival& h : all) apply(h);
    all.clear();
  } else {
    // Each context's list is in the total order already (its events ran in order): merged as
    // they are, the smallest head first (a few lists at most hold anything).
    struct Run {
      const HeldArrival* next;
      const HeldArrival* end;
    };
    Run runs[kMaxShards + 1];
    std::size_t count = 0;
    for (Context& x : contexts_) {
      const std::vector<HeldArrival>& held = x.held[shard];
      if (!held.empty()) runs[count++] = {held.data(), held.data() + held.size()};
    }
    // Each arrival reserves its receiver's downlink: a random line, missed most of the time
    // (perf: 87 % of LinkModel::Arrive's samples on that load). Loaded a few records ahead in
    // each list, the misses overlap.
    constexpr std::ptrdiff_t kAhead = 8;
    for (std::size_t i = 0; i < count; ++i) {
      const std::ptrdiff_t n = std::min<std::ptrdiff_t>(kAhead, runs[i].end - runs[i].next);
      for (std::ptrdiff_t j = 0; j < n; ++j) links_.Prefetch(runs[i].next[j].departure.to);
    }
    while (count > 0) {
      std::size_t best = 0;
      for (std::size_t i = 1; i < count; ++i) {
        if (by_order(*runs[i].next, *runs[best].next)) best = i;
      }
      if (runs[best].end - runs[best].next > kAhead) links_.Prefetch(runs[best].next[kAhead].departure.to);
      apply(*runs[best].next);
      if (++runs[best].next == runs[best].end) runs[best] = runs[--count];
    }
    for (Context& x : contexts_) x.held[shard].clear();
  }
  for (Context& x : contexts_) {
    for (const Event& e : x.crossing[shard]) queue.Push(e);
    x.crossing[shard].clear();
  }
}

void Engine::GatherClock() {
  for (const Context& x : contexts_) serial_->now = std::max(serial_->now, x.now);
}

void Engine::FinishRun() {
  if (!sharded()) {
    FlushArrivals();
    const EventQueue& queue = queues_[0];
    if (!queue.empty() && queue.top().time > end_at_) serial_->now = end_at_;
  } else {
    for (std::uint32_t s = 0; s < shard_count(); ++s) FlushInto(s);
    protocol_->OnWindowEnd();
    GatherClock();
    // The loop stopped with every remaining event past the end.
    for (const EventQueue& queue : queues_) {
      if (!queue.empty() && queue.top().time > end_at_) serial_->now = end_at_;
    }
  }
  TakeSnapshotsUpTo(serial_->now + 1);
}

TimeNs Engine::next_event_time() const {
  TimeNs next = kTimeNever;
  for (const EventQueue& queue : queues_) {
    if (!queue.empty()) next = std::min(next, queue.top().time);
  }
  return next;
}

ProgressInfo Engine::progress() const {
  std::size_t pending = 0;
  for (const EventQueue& queue : queues_) pending += queue.size();
  return {ctx().now, protocol_->progress_count(), events_processed(), pending};
}

void Engine::RunShards(TimeNs until, const ShardCalls& calls) {
  PEERLAB_ASSERT(sharded() && tls_context_ == nullptr);
  const std::uint32_t k = shard_count();
  ShardThreads workers(threads_);
  // The order one thread runs its shards in (a test hook varies it: results must not change).
  std::vector<std::uint32_t> order(k);
  std::iota(order.begin(), order.end(), 0u);
  if (spec_.shard_order_for_tests == 1) std::reverse(order.begin(), order.end());
  std::optional<Rng> order_rng;
  if (spec_.shard_order_for_tests > 1) order_rng = Rng(spec_.shard_order_for_tests, 0, RngPurpose{1002});
  // Each worker keeps its shards from window to window: their nodes stay in its core's caches.
  // (Four shards per thread, each taken by whichever worker was free, to even out the work, was
  // slower on bitcoin.yaml with 2 threads: 8.78 and 9.08 s against 8.42 and 8.43 s with one.)
  // A worker done with its own takes shards another worker has not started (ShardClaims).
  const std::uint32_t step = workers.workers();
  ShardClaims run_claims(k, step), flush_claims(k, step);
  const std::function<void(std::uint32_t)> window = [&](std::uint32_t worker) {
    run_claims.ForEach(worker, [&](std::uint32_t place) {
      tls_context_ = &contexts_[order[place]];
      calls.run_shard(order[place]);
      tls_context_ = nullptr;
    });
    workers.Sync();  // every shard's window is done: what crossed may be applied
    flush_claims.ForEach(worker, [&](std::uint32_t place) {
      FlushInto(order[place]);
      protocol_->OnShardWindowEnd(order[place]);
    });
  };
  EventQueue& outside = queues_[k];
  std::uint64_t ticked = events_processed() / calls.every_events;
  const auto tick = [&] {
    if (!calls.tick) return;
    const std::uint64_t events = events_processed();
    if (events / calls.every_events == ticked) return;
    ticked = events / calls.every_events;
    calls.tick(events);
  };
  const auto before = [](const Event& e, const Bound& b) {
    return e.time < b.time || (e.time == b.time && e.key < b.key);
  };
  // What set-up (or the caller between runs) held goes first.
  window_end_ = serial_->now;
  for (std::uint32_t s = 0; s < k; ++s) FlushInto(s);
  protocol_->OnWindowEnd();
  for (;;) {
    const TimeNs stop = std::min(until, end_at_);
    // The first event, of a shard or outside the nodes.
    const Event* first = nullptr;
    for (const EventQueue& queue : queues_) {
      if (queue.empty()) continue;
      if (first == nullptr || before(queue.top(), Bound{first->time, first->key})) first = &queue.top();
    }
    if (first == nullptr || first->time > stop) break;
    if (first->time > next_snapshot_at_) TakeSnapshotsUpTo(first->time);
    if (!outside.empty() && first == &outside.top()) {
      // Alone, between windows; what it holds is applied at once.
      const Event e = outside.Pop();
      serial_->now = e.time;
      serial_->current_key = e.key;
      ++serial_->events;
      window_end_ = e.time;
      calls.run_global(e);
      for (std::uint32_t s = 0; s < k; ++s) FlushInto(s);
      protocol_->OnWindowEnd();
      tick();
      continue;
    }
    // A window: up to one latency floor from its first event, and not past the next event
    // outside the nodes, the next snapshot or the stop.
    Bound bound{SaturatingAdd(first->time, network_window_), 0};
    const auto limit = [&bound](Bound b) {
      if (b.time < bound.time || (b.time == bound.time && b.key < bound.key)) bound = b;
    };
    if (!outside.empty()) limit({outside.top().time, outside.top().key});
    if (next_snapshot_at_ != kTimeNever) limit({SaturatingAdd(next_snapshot_at_, 1), 0});
    limit({SaturatingAdd(stop, 1), 0});
    window_bound_ = bound;
    window_end_ = bound.time;
    if (order_rng) {
      for (std::uint32_t i = k; i > 1; --i) std::swap(order[i - 1], order[order_rng->Below(i)]);
    }
    run_claims.Reset();
    flush_claims.Reset();
    workers.Run(window);
    GatherClock();
    protocol_->OnWindowEnd();
    tick();
  }
}

}  // namespace peerlab::sim
