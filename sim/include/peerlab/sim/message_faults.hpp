// Message faults (NetworkSpec::faults, `network.faults`; docs/network-model.md, "Message
// faults"): which of the family's messages are lost, duplicated or held back on their way.
//
// Contract: every decision is a pure function of the scenario's seed, the message's sender,
// its delivery key's sequence (Engine: taken when it is sent, the same on any number of
// shards and threads), its receiver and when it left, so results stay byte-identical whatever
// the thread count, and adding a fault draws nothing from any other stream.
#pragma once

#include <cstdint>
#include <vector>

#include "peerlab/plan/network_plan.hpp"
#include "peerlab/sim/network_events.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::sim {

// Which nodes each fault names as senders and as receivers: a byte per node (1: named), or
// empty for every node. A family resolves them from its plan (before it hands the plan's
// vectors on) and passes them to Engine::SetUpMessageFaults.
struct MessageFaultNodes {
  std::vector<std::vector<std::uint8_t>> senders, receivers;  // per fault
};
MessageFaultNodes ResolveMessageFaultNodes(const std::vector<MessageFaultSpec>& faults,
                                           const plan::NetworkPlan& placement);

// What message faults did (summary.json `network_faults`): messages lost, delivered twice,
// and delivered later (a delay or reorder draw above 0).
struct MessageFaultReport {
  std::uint64_t dropped = 0, duplicated = 0, delayed = 0;
};

class MessageFaults {
 public:
  // What happens to one message.
  struct Outcome {
    bool drop = false;       // lost after crossing both links
    bool duplicate = false;  // delivered twice (never with drop)
    DurationNs delay = 0;    // added to its arrival
    bool touched = false;    // some fault matched it
  };
  // `nodes`: of faults.size() each, and a byte per node when not empty.
  MessageFaults(std::uint64_t seed, const std::vector<MessageFaultSpec>& faults,
                MessageFaultNodes nodes);

  Outcome Decide(std::uint32_t from, std::uint32_t to, std::uint32_t sequence,
                 TimeNs sent_at) const;

 private:
  struct Rule {
    MessageFaultSpec spec;
    std::vector<std::uint8_t> senders, receivers;
  };
  std::uint64_t seed_;
  std::vector<Rule> rules_;
};

}  // namespace peerlab::sim
