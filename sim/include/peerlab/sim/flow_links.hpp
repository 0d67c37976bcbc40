// FlowLinks: the fast engine's TCP flow model, `network.link_model: flow` (docs/network-model.md,
// "Links", has the rules with their sources).
//
// Why: a FIFO pipe hands the first of many concurrent requesters a whole block at full rate,
// and plain processor sharing makes every transfer finish late together; real TCP lies
// between: a connection may send at most its congestion window per round trip, the window
// starts at 10 segments and doubles each round trip, and the connections that do have data in
// flight share the uplink. The model, per connection (one direction of it):
//
//  - The window `cwnd` starts at the initial window (10 segments, RFC 6928), never exceeds the
//    receive window, and restarts after an idle period longer than one RTO (RFC 2861, Linux's
//    default tcp_slow_start_after_idle = 1): halved per RTO idle, down to min(IW, cwnd).
//  - A message that fits both the window and the initial window, on a connection with nothing
//    in transfer, is a burst: it leaves at the uplink's full rate, FIFO with other bursts, and
//    costs its serialisation plus latency (LinkModel's pipes). Bursts of slow start that used
//    more than half the window grow it by their size (byte counting, RFC 3465; Linux's
//    tcp_is_cwnd_limited).
//  - A larger message, or one behind another on the same connection, is a transfer in rounds
//    of one round trip. Its first flight (up to the initial window) leaves at once like a
//    burst; in each round it may send `cwnd` bytes in all, the rest at the rate allocated to
//    it; when the window is used up it waits for the round's end; a last piece no larger than
//    the initial window leaves as a burst when its round starts. (A message whose first flight
//    takes the whole window and whose rest is such a piece needs no Flow: a Flight record and
//    one event give the same result.) At a round end after a round
//    limited by the window, the window doubles in slow start and grows one segment in
//    congestion avoidance (RFC 5681). A round that ended before the window was used up shows
//    the path is the limit: slow start ends there (ssthresh = cwnd), as HyStart's delay test
//    ends it when queues start to build (Ha and Rhee 2011; on by default with CUBIC).
//  - The transfers sending at a node share its uplink max-min fairly (progressive filling):
//    each is capped by its receiver's downlink divided among the transfers sending into that
//    receiver (waiting ones use neither link), and the uplink is filled from the smallest cap
//    up. Bursts are not taken from these shares (a sparse flow, as fq_codel serves it). The
//    allocation is recomputed at the node whenever one of its transfers starts, ends, runs out
//    of window or starts a round.
//  - A sender knows how many transfers share a receiver's downlink only from the network, a
//    round trip late, as TCP learns of a bottleneck from its acknowledgements: a transfer that
//    starts or stops sending tells its receiver (a signal one mean latency later), and the
//    receiver tells every transfer sending into it the new count (one mean latency back),
//    where it moves an allocation whose cap binds. A new transfer counts itself alone until
//    told. Nothing a node's event does changes another node's state at once, which is what
//    lets node events run in parallel (before 2026-12-06 the count was shared and every
//    sender into the receiver was reallocated at the same instant).
//
// Cost: bursts cost what LinkModel's FIFO pipes cost. Each node with transfers has one pending
// event that counts (scheduled_at); a change that moves the next one earlier pushes another,
// and an event that is not the one that counts is recognised in O(1). Per event, O(k^2) at
// worst for the node's k transfers (an insertion sort: k is small).
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/sim/link_model.hpp"
#include "peerlab/sim/network_spec.hpp"
#include "peerlab/sim/shard_map.hpp"
#include "peerlab/sim/shared_uplink.hpp"
#include "peerlab/util/cache_line.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

class FlowLinks {
 public:
  using Item = SharedUplinks::Item;
  // What leaves a node's uplink, in the order it leaves: the caller reserves the receiver's
  // downlink (LinkModel::Arrive) in this order and, when `deliver`, delivers the item at the
  // arrival time (else the bytes are a transfer's first flight, which delivers nothing).
  struct Delivery {
    Item item;
    Departure departure;
    bool deliver = true;
  };
  // A flow event the caller schedules (DrainWakes): for `node` at `at`; a node's transfers
  // when `flight` is kNoFlight, a count signal when it is kToReceiver or kToSender (OnSignal;
  // `serial` is then the node that sent it, `value` the change or the count), else the second
  // flight of a two-flight message (OnFlight).
  static constexpr std::uint32_t kNoFlight = UINT32_MAX;
  static constexpr std::uint32_t kToReceiver = UINT32_MAX - 1;  // value: 1 started, 0 stopped
  static constexpr std::uint32_t kToSender = UINT32_MAX - 2;    // value: transfers into serial
  static bool IsSignal(std::uint32_t flight) { return flight == kToReceiver || flight == kToSender; }
  struct Wake {
    std::uint32_t node;
    TimeNs at;
    std::uint32_t flight;
    std::uint32_t serial;
    std::uint32_t value = 0;
    // The node whose event made it (the key's source when scheduled as an event).
    std::uint32_t source() const { return IsSignal(flight) ? serial : node; }
  };

  FlowLinks(LinkModel& links, const FlowModelSpec& spec);
  // The parallel engine's shards (engine_shards.cpp): each keeps its own second-flight records
  // and scratch space, so calls for nodes of different shards may run at the same time.
  // Before the run.
  void SetShards(const ShardMap& shards);

  // `node` sends `item` on its connection `slot` (whose slot generation is `slot_generation`:
  // a new connection in a reused slot starts with a fresh window). A burst goes to `out` at
  // once; a message that became (or queued behind) a transfer adds at most its first flight
  // (deliver = false), and DrainWakes lists the events to schedule.
  void Send(TimeNs now, std::uint32_t node, std::uint32_t slot, std::uint32_t slot_generation,
            const Item& item, std::vector<Delivery>& out);
  // A node event at `now`: true when the node has a change due now (call OnEvent); false for a
  // superseded event, or an early one (DrainWakes then lists its new time).
  bool TakeEvent(std::uint32_t node, TimeNs now);
  // At a node event TakeEvent let through: messages whose last byte left the uplink by `now`
  // (or whose last piece left as a burst now) go to `done`, in connection order.
  void OnEvent(TimeNs now, std::uint32_t node, std::vector<Delivery>& done);
  // The second flight of a two-flight message is due (a Wake with a flight); a message it
  // completes goes to `done`. Does nothing if the connection closed since (`serial` differs).
  void OnFlight(TimeNs now, std::uint32_t node, std::uint32_t flight, std::uint32_t serial,
                std::vector<Delivery>& done);
  // A count signal (a Wake with kToReceiver or kToSender) reaches `node` at `now`.
  void OnSignal(TimeNs now, std::uint32_t node, std::uint32_t kind, std::uint32_t from,
                std::uint32_t value);
  // The connection closed: its queued messages go to `dropped` (TCP discards unsent data).
  void DropConnection(TimeNs now, std::uint32_t node, std::uint32_t slot,
                      std::vector<Item>& dropped);

  // Calls `schedule(wake)` for every event to push since the last call made for `node` (or
  // another node of its shard): nodes whose next change moved earlier than their pending event,
  // and second flights. A node change that moved later keeps the pending event, which
  // TakeEvent then passes on (fewer pushes).
  template <typename F>
  void DrainWakes(std::uint32_t node, F&& schedule) {
    Part& part = PartOf(node);
    for (const Wake& w : part.flight_wakes) schedule(w);
    part.flight_wakes.clear();
    for (const Wake& w : part.signals) schedule(w);
    part.signals.clear();
    for (std::uint32_t moved : part.moved) {
      NodeState& s = nodes_[moved];
      s.marked = false;
      if (s.next_event < s.scheduled_at) {
        s.scheduled_at = s.next_event;
        schedule(Wake{moved, s.next_event, kNoFlight, 0});
      }
    }
    part.moved.clear();
  }
  bool active(std::uint32_t node) const { return !nodes_[node].flows.empty(); }
  // Starts loading `node`'s connection states (an event at the node is next: it will likely
  // send). Always inlined: GCC drops calls to a function that only prefetches.
  [[gnu::always_inline]] void PrefetchConnections(std::uint32_t node) const {
    const std::vector<Conn>& row = conns_[node];
    if (!row.empty()) {
      __builtin_prefetch(row.data(), 1);
      if (row.size() > 2) __builtin_prefetch(row.data() + row.size() - 1, 1);
    }
  }
  // One connection's state (its node will send on it).
  [[gnu::always_inline]] void PrefetchConnection(std::uint32_t node, std::uint32_t slot) const {
    const std::vector<Conn>& row = conns_[node];
    if (slot < row.size()) __builtin_prefetch(&row[slot], 1);
  }
  [[gnu::always_inline]] void PrefetchFlight(std::uint32_t node, std::uint32_t flight) const {
    const std::vector<Flight>& flights = PartOf(node).flights;
    if (flight < flights.size()) __builtin_prefetch(&flights[flight], 1);
  }
  // The congestion window of a connection now (tests, reports).
  std::uint32_t cwnd(std::uint32_t node, std::uint32_t slot) const;

 private:
  struct Conn {
    std::uint32_t generation = UINT32_MAX;  // the slot's generation this state belongs to
    std::uint32_t cwnd = 0;                 // bytes
    std::uint32_t ssthresh = UINT32_MAX;    // bytes; "infinite" until slow start ends
    std::uint32_t flight = kNoFlight;       // a pending second flight carries this connection
    bool in_transfer = false;               // a Flow of the node carries this connection
    TimeNs last_sent = 0;                   // the last byte of the last message left the uplink
  };
  struct Flow {
    std::uint32_t slot;
    std::uint32_t to;          // receiving node
    DurationNs rtt;            // the pair's mean round trip
    double remaining;          // bytes of the head message still to send
    double window_left;        // bytes the window still allows this round
    double rate = 0;           // bytes per ns while sending (0 while waiting)
    TimeNs round_end;          // when this round's acknowledgements are back
    bool waiting = true;       // window used up (or not sending yet): resumes at round_end
    bool capped = false;       // the rate is the receiver's downlink cap
    Item head;                 // the message in transfer
    std::vector<Item> behind;  // later messages of the connection, from behind_next on
    std::uint32_t behind_next = 0;
    std::uint32_t sharing = 1;  // transfers into `to` as the receiver last told (or 1)
  };
  // A message whose first flight took the whole window and whose rest fits the initial window:
  // the rest leaves as a burst one round trip later (what a Flow would do, without one).
  struct Flight {
    std::uint32_t node, slot, to;
    std::uint32_t rest;           // bytes after the first flight
    std::uint32_t serial = 0;     // bumped when the record is freed
    std::uint32_t next_free = kNoFlight;
    DurationNs rtt;
    Item head;
    std::vector<Item> behind;     // later messages of the connection
  };
  struct NodeState {
    std::vector<Flow> flows;        // connections with a message in transfer
    // One entry per transfer into this node that is sending now (not waiting): its sender.
    std::vector<std::uint32_t> senders;
    TimeNs updated_at = 0;
    TimeNs next_event = kTimeNever;
    TimeNs scheduled_at = kTimeNever;  // the pending node event that counts, or never
    bool marked = false;  // in its shard's Part::moved
  };

  Conn& ConnOf(std::uint32_t node, std::uint32_t slot, std::uint32_t slot_generation);
  // Applies the idle restart before a message starts on the connection.
  void RestartAfterIdle(Conn& c, TimeNs now, DurationNs rtt) const;
  // After a window-limited round: slow start doubles the window, congestion avoidance adds a
  // segment (RFC 5681), up to the receive window.
  void GrowAfterRound(Conn& c) const;
  void StartTransfer(TimeNs now, std::uint32_t node, Conn& c, std::uint32_t slot,
                     const Item& item, std::vector<Delivery>& out);
  // A transfer continues as a Flow of `node` from now, in a round that ends a round trip later
  // and still allows `window_left` bytes (sending if any, else waiting for the round's end).
  void AddFlow(TimeNs now, std::uint32_t node, Conn& c, std::uint32_t slot, std::uint32_t to,
               DurationNs rtt, double remaining, double window_left, const Item& head,
               std::vector<Item> behind);
  // Progress of every sending transfer of `node` since updated_at (rates constant since then).
  void Advance(std::uint32_t node, TimeNs now);
  // Progressive filling among the sending transfers; then the node's next event.
  void Reallocate(std::uint32_t node, TimeNs now);
  // Moves `f` (of `node`) between sending and waiting, and signals its receiver.
  void SetSending(TimeNs now, std::uint32_t node, Flow& f, bool sending);
  void MarkMoved(std::uint32_t node);
  // The flow's share of its receiver's downlink, as its sender knows it.
  double DownlinkCap(const Flow& f) const;
  // What one shard's calls write besides their nodes' state: second-flight records (numbered
  // within the shard) and scratch space. On cache lines of its own (shards write theirs at once).
  struct alignas(kCacheLine) Part {
    std::vector<Flight> flights;
    std::uint32_t free_flight = kNoFlight;
    std::vector<std::uint32_t> moved;
    std::vector<Wake> flight_wakes;
    std::vector<Wake> signals;  // count signals to schedule
    std::vector<std::uint32_t> order_scratch;
    std::vector<double> caps_scratch;
  };
  Part& PartOf(std::uint32_t node) { return parts_[shards_.ShardOf(node)]; }
  const Part& PartOf(std::uint32_t node) const { return parts_[shards_.ShardOf(node)]; }
  std::uint32_t NewFlight(Part& part);
  void FreeFlight(Part& part, std::uint32_t index);

  LinkModel& links_;
  FlowModelSpec spec_;
  std::uint32_t initial_window_;
  std::vector<NodeState> nodes_;
  std::vector<std::uint32_t> incoming_;   // per node: transfers sending into it, as signalled
  std::vector<std::vector<Conn>> conns_;  // per node, by slot (grown on use)
  ShardMap shards_;
  std::vector<Part> parts_;  // per shard
};

}  // namespace peerlab::sim
