// SharedUplinks: the fast engine's opt-in uplink model `network.uplink: shared`, where a node's
// connections share its upload bandwidth equally (processor sharing) instead of queueing
// whole messages one after another (LinkModel's FIFO pipe).
//
// Why: a node that has just validated a block is asked for it by most of its peers at once.
// Over TCP (ns-3, real kernels) those transfers progress together and finish late together; a
// FIFO pipe hands the first requester the whole block after one transmission time, so the
// epidemic pipelines and full-block (legacy) relay comes out 2 to 3 times too fast
// (docs/ns3-validation.md). Within one connection messages stay in order (TCP): each
// connection is a flow whose head message is in transfer and whose later messages wait.
//
// Cost: a message's end is not known when it is sent, since later sends slow it down. Each
// node with active flows has one pending "uplink" event at its next completion; every change
// of the node's active set moves that time and bumps the node's generation, so a stale event
// is recognised in O(1) and ignored. Per send or completion the node's flows are advanced in
// O(active flows) (at most the node's connections).
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/util/time.hpp"

namespace peerlab::sim {

class SharedUplinks {
 public:
  // A message waiting in or passing through an uplink (what Simulation needs to deliver it).
  struct Item {
    std::uint32_t to;          // receiving node
    std::uint32_t to_peer;     // its slot for the connection
    std::uint32_t message;     // bitcoin::MessageId
    std::uint32_t generation;  // the receiving slot's generation (wire-check mode)
    std::uint32_t bytes;
  };

  explicit SharedUplinks(std::size_t nodes) : nodes_(nodes) {}

  // Queues `item` on `node`'s connection `flow` (its slot) at `now`; `ns_per_byte` is the
  // node's upload cost. True when the node's next completion moved: the caller schedules an
  // uplink event at next_completion(node) carrying generation(node).
  bool Enqueue(TimeNs now, std::uint32_t node, std::uint32_t flow, const Item& item,
               double ns_per_byte);
  // At an uplink event of the current generation: moves the messages whose transfer ended by
  // `now` to `done` (connection order kept). Afterwards the node may have a next completion.
  void Complete(TimeNs now, std::uint32_t node, double ns_per_byte, std::vector<Item>& done);
  // The connection closed: its queued messages go to `dropped` (their ids are released by the
  // caller, TCP discards unsent data). True when the node's next completion moved.
  bool DropFlow(TimeNs now, std::uint32_t node, std::uint32_t flow, double ns_per_byte,
                std::vector<Item>& dropped);

  bool active(std::uint32_t node) const { return !nodes_[node].flows.empty(); }
  TimeNs next_completion(std::uint32_t node) const { return nodes_[node].next_completion; }
  std::uint32_t generation(std::uint32_t node) const { return nodes_[node].generation; }

 private:
  struct Flow {
    std::uint32_t id;        // the sender's slot
    double remaining;        // bytes of the head message still to send
    std::vector<Item> queue;  // head first
  };
  struct NodeState {
    std::vector<Flow> flows;  // only flows with something to send, by first use
    TimeNs updated_at = 0;
    TimeNs next_completion = kTimeNever;
    std::uint32_t generation = 0;
  };

  // Serves every active flow its equal share of the time since updated_at.
  void Advance(NodeState& s, TimeNs now, double ns_per_byte);
  // Recomputes next_completion after a change; bumps the generation.
  void Reschedule(NodeState& s, TimeNs now, double ns_per_byte);

  std::vector<NodeState> nodes_;
};

}  // namespace peerlab::sim
