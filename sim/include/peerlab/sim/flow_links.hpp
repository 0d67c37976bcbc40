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
//  - A message that fits the window on an otherwise idle connection is a burst: it leaves at
//    the uplink's full rate, FIFO with other bursts, and costs its serialisation plus latency
//    (LinkModel's pipes). Bursts of slow start that used more than half the window grow it by
//    their size (byte counting, RFC 3465; Linux's tcp_is_cwnd_limited).
//  - A larger message, or one behind another on the same connection, is a transfer in rounds
//    of one round trip: in each round it may send `cwnd` bytes, at the rate allocated to it;
//    when the window is used up it waits for the round's end. At a round end after a round
//    limited by the window, the window doubles in slow start and grows one segment in
//    congestion avoidance (RFC 5681). A round that ended before the window was used up shows
//    the path is the limit: slow start ends there (ssthresh = cwnd), as HyStart's delay test
//    ends it when queues start to build (Ha and Rhee 2011; on by default with CUBIC).
//  - The transfers sending at a node share its uplink max-min fairly (progressive filling):
//    each is capped by its receiver's downlink divided among that receiver's incoming
//    transfers, and the uplink is filled from the smallest cap up. The allocation is
//    recomputed at the node whenever one of its transfers starts, ends, runs out of window or
//    starts a round, and at the senders into a receiver whose number of incoming transfers
//    changed (one level: the downlink cap is an equal split, so nothing cascades further).
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
#include "peerlab/sim/shared_uplink.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

class FlowLinks {
 public:
  using Item = SharedUplinks::Item;

  FlowLinks(LinkModel& links, const FlowModelSpec& spec);

  // `node` sends `item` on its connection `slot` (whose slot generation is `slot_generation`:
  // a new connection in a reused slot starts with a fresh window). Returns the arrival time
  // of a burst, or kTimeNever when the message became (or queued behind) a transfer; then the
  // nodes whose next event moved are listed for DrainMoved.
  TimeNs Send(TimeNs now, std::uint32_t node, std::uint32_t slot, std::uint32_t slot_generation,
              const Item& item);
  // At a flow event TakeEvent let through: messages whose last byte left the
  // uplink by `now` go to `done`, in connection order; DrainMoved lists the nodes to reschedule.
  void OnEvent(TimeNs now, std::uint32_t node, std::vector<Item>& done);
  // The connection closed: its queued messages go to `dropped` (TCP discards unsent data).
  void DropConnection(TimeNs now, std::uint32_t node, std::uint32_t slot,
                      std::vector<Item>& dropped);

  // Calls `schedule(node, at)` for each node whose next change moved earlier than its pending
  // event (since the last call): the caller pushes a flow event for the node at `at`. A change
  // that moved later keeps the pending event, which TakeEvent then passes on (fewer pushes).
  template <typename F>
  void DrainMoved(F&& schedule) {
    for (std::uint32_t node : moved_) {
      NodeState& s = nodes_[node];
      s.marked = false;
      if (s.next_event < s.scheduled_at) {
        s.scheduled_at = s.next_event;
        schedule(node, s.next_event);
      }
    }
    moved_.clear();
  }
  // A flow event of `node` at `now`: true when the node has a change due now (call OnEvent);
  // false for a superseded event, or an early one (then DrainMoved reschedules it).
  bool TakeEvent(std::uint32_t node, TimeNs now);
  TimeNs next_event(std::uint32_t node) const { return nodes_[node].next_event; }
  bool active(std::uint32_t node) const { return !nodes_[node].flows.empty(); }
  // The congestion window of a connection now (tests, reports).
  std::uint32_t cwnd(std::uint32_t node, std::uint32_t slot) const;

 private:
  struct Conn {
    std::uint32_t generation = UINT32_MAX;  // the slot's generation this state belongs to
    std::uint32_t cwnd = 0;                 // bytes
    std::uint32_t ssthresh = UINT32_MAX;    // bytes; "infinite" until slow start ends
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
    bool waiting = false;      // window used up: resumes at round_end
    Item head;                 // the message in transfer
    std::vector<Item> behind;  // later messages of the connection, from behind_next on
    std::uint32_t behind_next = 0;
  };
  struct NodeState {
    std::vector<Flow> flows;        // connections with a message in transfer
    std::vector<std::uint32_t> senders;  // one entry per transfer into this node: its sender
    TimeNs updated_at = 0;
    TimeNs next_event = kTimeNever;
    TimeNs scheduled_at = kTimeNever;  // the pending flow event that counts, or never
    bool marked = false;  // in moved_
  };

  Conn& ConnOf(std::uint32_t node, std::uint32_t slot, std::uint32_t slot_generation);
  // Applies the idle restart before a message starts on the connection.
  void RestartAfterIdle(Conn& c, TimeNs now, DurationNs rtt) const;
  void StartFlow(TimeNs now, std::uint32_t node, Conn& c, std::uint32_t slot, const Item& item);
  // Progress of every sending transfer of `node` since updated_at (rates constant since then).
  void Advance(std::uint32_t node, TimeNs now);
  // Progressive filling among the sending transfers; then the next event; bumps generation.
  void Reallocate(std::uint32_t node, TimeNs now);
  // Advances the other senders into `receiver` before its incoming count changes.
  void AdvanceSendersInto(std::uint32_t receiver, std::uint32_t except, TimeNs now);
  // ... and reallocates them after it changed.
  void ReallocateSendersInto(std::uint32_t receiver, std::uint32_t except, TimeNs now);
  void RemoveSender(std::uint32_t receiver, std::uint32_t sender);
  void MarkMoved(std::uint32_t node);
  double DownlinkCap(std::uint32_t receiver) const;

  LinkModel& links_;
  FlowModelSpec spec_;
  std::uint32_t initial_window_;
  std::vector<NodeState> nodes_;
  std::vector<std::vector<Conn>> conns_;  // per node, by slot (grown on use)
  std::vector<std::uint32_t> moved_;
  // Scratch space of Reallocate and OnEvent (no allocation per event).
  std::vector<std::uint32_t> order_scratch_;
  std::vector<double> caps_scratch_;
  std::vector<std::uint32_t> ended_scratch_;
};

}  // namespace peerlab::sim
