// Daemon: taking inbound connections. The admission policy for unhandshaked connections is
// in admission.hpp; established peers are evicted by the node (Core's rules). Out of file
// descriptors, accepting pauses instead of spinning on the readable listening socket.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon_internal.hpp"
#include "peerlab/testbed/daemon.hpp"
#include "peerlab/testbed/socket.hpp"

namespace peerlab::testbed {

using namespace daemon_internal;

std::size_t Daemon::inbound_count() const {
  return static_cast<std::size_t>(std::count_if(
      conns_.begin(), conns_.end(), [](const auto& c) { return c && c->inbound && !c->closing; }));
}

std::vector<PendingConnection> Daemon::PendingPool() const {
  std::vector<PendingConnection> pool;
  for (const auto& c : conns_) {
    if (!c || !c->inbound || c->closing || c->established_at >= 0) continue;
    pool.push_back({c->peer, c->remote.ip, c->opened_at, c->version_received});
  }
  return pool;
}

void Daemon::CloseAllMarked() {
  while (!closing_.empty()) {
    ProcessCloses();
    FlushDirty();
  }
}

bool Daemon::MakeRoomForNewcomer(const Endpoint* remote) {
  const std::vector<PendingConnection> pool = PendingPool();
  const bool pool_full = pool.size() >= config_.max_pending;
  const bool slots_full = inbound_count() >= config_.max_inbound;
  // Slots full of established peers only: the node decides (Core's eviction).
  if (!pool_full && (!slots_full || pool.empty())) return true;
  const auto victim = SelectPendingToEvict(pool, now_);
  if (!victim) return false;
  if (remote == nullptr) return true;  // only asking whether there would be room
  ++counters_.evicted_pending;
  MarkClose(*conns_[*victim],
            "evicted before its handshake for " + remote->ToString() + " (" +
                std::to_string(pool.size()) + " pending, " + std::to_string(inbound_count()) +
                " inbound)",
            false);
  // The node must forget it before it hears of the newcomer, or it would count one inbound
  // peer too many and evict an established one as well.
  CloseAllMarked();
  return true;
}

void Daemon::AcceptAll() {
  for (int i = 0; i < kAcceptsPerWakeup; ++i) {
    // Connections closed earlier (reads in this wakeup, the node's last eviction) free their
    // slots and leave the node's count first.
    CloseAllMarked();
    // Connections that cannot get a slot before the next wakeup stay in the kernel's queue,
    // where they cost us nothing (max_inbound 0: closed at once, below).
    if (config_.max_inbound > 0 && !MakeRoomForNewcomer(nullptr)) return;
    Endpoint remote;
    const int fd = AcceptTcp(listen_fd_, &remote);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      const int error = errno;
      if (error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM) {
        // Level-triggered readiness would spin on the pending connection: stop listening
        // for a moment instead.
        loop_->Remove(listen_fd_);
        accept_paused_until_ = now_ + kAcceptPause;
        ++counters_.accept_pauses;
        if (counters_.accept_pauses % 50 == 1) {  // it repeats every 100 ms while it lasts
          Log(std::string("accept paused: ") + std::strerror(error) + " (pauses so far: " +
              std::to_string(counters_.accept_pauses) + ")");
        }
      }
      return;  // EAGAIN: nothing more pending
    }
    const std::vector<PendingConnection> pool = PendingPool();
    if (PendingFrom(pool, remote.ip) >= config_.max_pending_per_address) {
      CloseFd(fd);
      ++counters_.refused_address;
      if (counters_.refused_address <= 5 || counters_.refused_address % 100 == 0) {
        Log("refused " + remote.ToString() + ": " +
            std::to_string(config_.max_pending_per_address) +
            " connections from it are in their handshake (refused so far: " +
            std::to_string(counters_.refused_address) + ")");
      }
      continue;
    }
    Connection* c = nullptr;
    if (config_.max_inbound > 0 && MakeRoomForNewcomer(&remote)) c = NewConnection();
    if (c == nullptr) {
      CloseFd(fd);
      ++counters_.refused_full;
      // A flood would make one line per connection: log the first few, then every 100th.
      if (refused_logged_ < 5 || counters_.refused_full % 100 == 0) {
        ++refused_logged_;
        Log("refused " + remote.ToString() + ": " + std::to_string(config_.max_inbound) +
            " inbound connections (refused so far: " + std::to_string(counters_.refused_full) + ")");
      }
      continue;
    }
    c->fd = fd;
    c->inbound = true;
    c->remote = remote;
    ApplyLinkDelay(*c);
    if (Status s = loop_->Add(fd, false, Token(c->generation, c->peer)); !s.ok()) {
      MarkClose(*c, s.message(), false);
      continue;
    }
    ++counters_.accepted;
    c->node_knows = true;
    // With every inbound slot taken by handshaked peers, the node evicts one of them by
    // Core's rules (kPeerEvicted) or, if all are protected, disconnects the newcomer.
    Feed(bitcoin::PeerConnected{c->peer, true, false, remote.ip, false});
  }
}

}  // namespace peerlab::testbed
