// Message faults: the per-message decisions (message_faults.hpp).
#include "peerlab/sim/message_faults.hpp"

#include <optional>
#include <utility>

#include "peerlab/sim/rng_purposes.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/rng.hpp"

namespace peerlab::sim {

MessageFaultNodes ResolveMessageFaultNodes(const std::vector<MessageFaultSpec>& faults,
                                           const plan::NetworkPlan& placement) {
  MessageFaultNodes out;
  for (const MessageFaultSpec& f : faults) {
    out.senders.push_back(f.from.empty() ? std::vector<std::uint8_t>{}
                                         : plan::NodesNamed(f.from, placement));
    out.receivers.push_back(f.to.empty() ? std::vector<std::uint8_t>{}
                                         : plan::NodesNamed(f.to, placement));
  }
  return out;
}

MessageFaults::MessageFaults(std::uint64_t seed, const std::vector<MessageFaultSpec>& faults,
                             MessageFaultNodes nodes)
    : seed_(seed) {
  PEERLAB_ASSERT(nodes.senders.size() == faults.size() && nodes.receivers.size() == faults.size());
  for (std::size_t i = 0; i < faults.size(); ++i) {
    rules_.push_back({faults[i], std::move(nodes.senders[i]), std::move(nodes.receivers[i])});
  }
}

MessageFaults::Outcome MessageFaults::Decide(std::uint32_t from, std::uint32_t to,
                                             std::uint32_t sequence, TimeNs sent_at) const {
  Outcome out;
  std::optional<Rng> rng;
  for (const Rule& rule : rules_) {
    const MessageFaultSpec& f = rule.spec;
    if (sent_at < f.start || sent_at >= f.end) continue;
    if (!rule.senders.empty() && rule.senders[from] == 0) continue;
    if (!rule.receivers.empty() && rule.receivers[to] == 0) continue;
    if (!rng) {  // one stream per message, only for messages a fault names
      rng.emplace(seed_, std::uint64_t{from} << 32 | sequence, rng_purpose::kMessageFaults);
    }
    out.touched = true;
    // Three draws per matching fault whatever it sets, so changing one share moves no other
    // draw.
    const double drop = rng->Uniform(), duplicate = rng->Uniform(), reorder = rng->Uniform();
    out.drop = out.drop || drop < f.drop;
    out.duplicate = out.duplicate || duplicate < f.duplicate;
    out.delay = SaturatingAdd(out.delay, f.delay);
    if (f.reorder > 0) {
      out.delay = SaturatingAdd(out.delay,
                                static_cast<DurationNs>(reorder * static_cast<double>(f.reorder)));
    }
  }
  if (out.drop) out.duplicate = false;
  return out;
}

}  // namespace peerlab::sim
