// Engine: message faults (network.faults; message_faults.hpp, docs/network-model.md, "Message
// faults"). A message a fault names is decided once, from its sender's event, when it has
// crossed the links: lost (the receiver's downlink was still used), delivered twice (the copy
// is the family's DuplicateMessage, with a key of its own, right after the original) or held
// back. With windows, the decision is the same pure function applied at the window's end, so
// the result does not depend on shards or threads.
#include "peerlab/sim/engine.hpp"

namespace peerlab::sim {

Status Engine::SetUpMessageFaults(MessageFaultNodes nodes) {
  if (spec_.faults.empty()) return Status::Ok();
  // Before anything is sent: held messages are decided when their window ends.
  PEERLAB_ASSERT(protocol_ != nullptr);
  if (transport_) return Status::Error("network.faults: not supported by the ns-3 backend");
  if (nodes.senders.size() != spec_.faults.size() || nodes.receivers.size() != spec_.faults.size()) {
    return Status::Error("network.faults: nodes not resolved");
  }
  for (std::size_t i = 0; i < spec_.faults.size(); ++i) {
    const MessageFaultSpec& f = spec_.faults[i];
    const std::string where = "network.faults[" + std::to_string(i) + "]";
    if (f.duplicate > 0 && !protocol_->CanDuplicateMessages()) {
      return Status::Error(where + ".duplicate: this protocol family cannot duplicate messages");
    }
    if (!(f.drop >= 0 && f.drop <= 1) || !(f.duplicate >= 0 && f.duplicate <= 1) ||
        f.delay < 0 || f.reorder < 0 || f.end < f.start) {
      return Status::Error(where + ": shares must be in [0, 1], durations not negative");
    }
    for (const auto* named : {&nodes.senders[i], &nodes.receivers[i]}) {
      if (!named->empty() && named->size() != node_count()) {
        return Status::Error(where + ": nodes resolved for another network size");
      }
    }
  }
  message_faults_ = std::make_unique<MessageFaults>(spec_.seed, spec_.faults, std::move(nodes));
  return Status::Ok();
}

void Engine::DeliverWithFaults(NodeIndex from, NodeIndex to, TimeNs arrival, Slot to_slot,
                               MessageHandle m, std::uint32_t generation) {
  Context& x = ctx();
  // The sequence Push takes next: the one the held path takes for the same message.
  const MessageFaults::Outcome out = message_faults_->Decide(from, to, sequence_[from], x.now);
  if (out.drop) {
    ++sequence_[from];
    ++x.counters.faults_dropped;
    protocol_->OnMessageLost(to, to_slot, generation, m);
    protocol_->ReleaseMessage(m);
    return;
  }
  if (out.delay > 0) ++x.counters.faults_delayed;
  Push(EventKind::kDeliver, from, SaturatingAdd(arrival, out.delay), to, to_slot, m, generation);
  if (!out.duplicate) return;
  ++x.counters.faults_duplicated;
  const DurationNs copy_delay = message_faults_->Decide(from, to, sequence_[from], x.now).delay;
  Push(EventKind::kDeliver, from, SaturatingAdd(arrival, copy_delay), to, to_slot,
       protocol_->DuplicateMessage(m), generation);
}

void Engine::HoldWithFaults(NodeIndex from, const Departure& d, Slot to_slot, MessageHandle m,
                            std::uint32_t generation) {
  Context& x = ctx();
  const std::uint32_t sequence = sequence_[from]++;
  const MessageFaults::Outcome out = message_faults_->Decide(from, d.to, sequence, x.now);
  std::vector<HeldArrival>& held = x.held[shard_of(d.to)];
  // A lost message still takes the receiver's downlink: held, delivering nothing.
  held.push_back({NextWindowOrder(), d, from, to_slot, m, generation, sequence,
                  EventKind::kDeliver, !out.drop, false, false});
  if (out.drop) {
    ++x.counters.faults_dropped;
    protocol_->OnMessageLost(d.to, to_slot, generation, m);
    protocol_->ReleaseMessage(m);
    return;
  }
  if (out.delay > 0) ++x.counters.faults_delayed;
  if (!out.duplicate) return;
  ++x.counters.faults_duplicated;
  // Right after the original in the window's order: FlushInto gives it the original's arrival.
  held.push_back({NextWindowOrder(), d, from, to_slot, protocol_->DuplicateMessage(m), generation,
                  sequence_[from]++, EventKind::kDeliver, true, false, true});
}

}  // namespace peerlab::sim
