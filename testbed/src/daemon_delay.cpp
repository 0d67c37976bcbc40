// The daemon's side of --link-delay (link_delay.hpp): which connections are delayed, waking up
// when held bytes may leave, and writing them then. Kept apart from daemon.cpp so the loop
// only gains three calls.
#include <algorithm>

#include "peerlab/testbed/daemon.hpp"

namespace peerlab::testbed {

void Daemon::ApplyLinkDelay(Connection& c) {
  c.gate = DelayGate(LinkDelayFor(config_.link_delays, c.remote.ip));
}

void Daemon::FlushDelayed() {
  if (config_.link_delays.empty()) return;
  // At most a few dozen connections in a testbed: a scan is cheaper than another heap.
  for (const auto& slot : conns_) {
    if (!slot || slot->closing || slot->connecting || !slot->gate.active()) continue;
    if (slot->gate.next_release() <= now_) Flush(*slot);
  }
}

TimeNs Daemon::NextDelayRelease() const {
  TimeNs next = kTimeNever;
  if (config_.link_delays.empty()) return next;
  for (const auto& slot : conns_) {
    if (slot && !slot->closing && !slot->connecting) next = std::min(next, slot->gate.next_release());
  }
  return next;
}

}  // namespace peerlab::testbed
