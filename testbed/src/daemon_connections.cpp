// Daemon: sockets and connection slots (accept, connect, read, write, close). A slot's
// PeerId is reused only after the node has been told the connection closed (daemon.cpp's
// re-entrancy rule).
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon_internal.hpp"
#include "peerlab/testbed/daemon.hpp"
#include "peerlab/testbed/socket.hpp"

namespace peerlab::testbed {

using namespace daemon_internal;

Daemon::Connection* Daemon::NewConnection() {
  bitcoin::PeerId id = 0;
  while (id < conns_.size() && conns_[id]) ++id;
  if (id >= max_connections_) return nullptr;
  if (id == conns_.size()) conns_.emplace_back();
  conns_[id] = std::make_unique<Connection>(id, *stack_);
  conns_[id]->generation = next_generation_++;
  conns_[id]->opened_at = now_;
  conns_[id]->last_recv_at = now_;
  return conns_[id].get();
}

Daemon::Connection* Daemon::Lookup(std::uint64_t token) {
  const auto peer = static_cast<bitcoin::PeerId>(token & 0xffffffffu);
  if (peer >= conns_.size() || !conns_[peer]) return nullptr;
  Connection* c = conns_[peer].get();
  return c->generation == static_cast<std::uint32_t>(token >> 32) ? c : nullptr;
}


std::size_t Daemon::connection_count() const {
  return static_cast<std::size_t>(
      std::count_if(conns_.begin(), conns_.end(), [](const auto& c) { return c != nullptr; }));
}

std::size_t Daemon::established_count() const {
  return static_cast<std::size_t>(std::count_if(conns_.begin(), conns_.end(), [&](const auto& c) {
    return c && c->node_knows && stack_->node.IsEstablished(c->peer);
  }));
}

void Daemon::StartOutbound(const Endpoint& to, int target, bool from_node,
                           bitcoin::ConnectionKind kind) {
  Connection* c = NewConnection();
  if (c == nullptr) {
    if (from_node) connect_failed_.push_back(to.ip);
    if (target >= 0) ScheduleRetry(targets_[target], "connection table full");
    return;
  }
  ++counters_.outbound_attempts;
  c->remote = to;
  ApplyLinkDelay(*c);
  c->target = target;
  c->from_node = from_node;
  c->kind = kind;
  c->connecting = true;
  if (target >= 0) {
    targets_[target].peer = c->peer;
    ++targets_[target].attempts;
  }
  auto fd = StartConnect(to, config_.source_ip);
  if (!fd.ok()) {
    MarkClose(*c, fd.status().message(), false);
    return;
  }
  c->fd = *fd;
  c->want_write = true;  // writability reports the connect's end
  if (Status s = loop_->Add(c->fd, true, Token(c->generation, c->peer)); !s.ok()) {
    MarkClose(*c, s.message(), false);
  }
}

void Daemon::OnConnectDone(Connection& c) {
  const int error = ConnectResult(c.fd);
  if (error != 0) {
    MarkClose(c, "connect " + c.remote.ToString() + ": " + std::strerror(error), false);
    return;
  }
  c.connecting = false;
  c.last_recv_at = now_;
  c.want_write = false;
  loop_->Modify(c.fd, false, Token(c.generation, c.peer));
  c.node_knows = true;
  Log("connected to " + c.remote.ToString() + " as peer " + std::to_string(c.peer));
  Feed(bitcoin::PeerConnected{c.peer, false,
                               c.kind == bitcoin::ConnectionKind::kBlockRelayOnly, c.remote.ip,
                               c.kind == bitcoin::ConnectionKind::kFeeler});
}

void Daemon::OnReadable(Connection& c) {
  for (int round = 0; round < kReadsPerWakeup && !c.closing; ++round) {
    const long n = ReadSome(c.fd, read_buffer_.data(), read_buffer_.size());
    if (n == 0) {
      ++counters_.remote_closes;
      MarkClose(c, "closed by the peer", false);
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      ++counters_.remote_closes;
      MarkClose(c, std::string("recv: ") + std::strerror(errno), false);
      return;
    }
    c.bytes_in += static_cast<std::uint64_t>(n);
    c.last_recv_at = now_;
    const bool established = stack_->node.IsEstablished(c.peer);
    if (!established && c.bytes_in > config_.max_prehandshake_bytes) {
      ++counters_.prehandshake_overflows;
      MarkClose(c, "more than " + std::to_string(config_.max_prehandshake_bytes) +
                       " bytes before the handshake", true);
      return;
    }
    const bool usable = c.seam.Receive(
        {read_buffer_.data(), static_cast<std::size_t>(n)}, [&](const bitcoin::Input& in) {
          if (c.closing) return;  // the node dropped it earlier in this chunk
          if (const auto* m = std::get_if<bitcoin::MessageReceived>(&in)) {
            ++c.msgs_in;
            ++counters_.messages_in[static_cast<std::size_t>(m->message->type)];
            if (m->message->type == bitcoin::MsgType::kVersion) c.version_received = true;
          } else if (std::holds_alternative<bitcoin::MalformedMessage>(in)) {
            ++c.malformed;
            // The store refused a header beyond max_blockless_headers for this frame: the
            // close reason says so (other refusals keep the generic reason).
            if (stack_->blocks.headers_refused() != headers_refused_seen_) {
              headers_refused_seen_ = stack_->blocks.headers_refused();
              ++counters_.header_limit_disconnects;
              c.refusal = c.seam.last_error();
            }
          }
          Feed(in);
          if (c.established_at < 0 && c.node_knows && stack_->node.IsEstablished(c.peer)) {
            c.established_at = now_;
            Log("handshake complete with peer " + std::to_string(c.peer) + " " +
                c.remote.ToString() + (c.inbound ? " (inbound)" : " (outbound)"));
            if (c.target >= 0) targets_[c.target].backoff = config_.retry_min;
          }
        });
    // Frames decoded after the peer was marked closing may have been refused too.
    headers_refused_seen_ = stack_->blocks.headers_refused();
    if (!usable) {
      // Bad magic or an oversize length: the node was told (MalformedMessage, score 100) and
      // has normally dropped the peer already; the stream cannot be resynchronised anyway.
      ++counters_.malformed_streams;
      if (!c.closing) MarkClose(c, "malformed stream (bad magic or oversize length)", true);
      c.close_reason += " [stream unusable: bad magic or oversize length]";
      return;
    }
  }
}

void Daemon::OnWritable(Connection& c) { Flush(c); }

void Daemon::Flush(Connection& c) {
  while (!c.closing) {
    const std::span<const std::uint8_t> bytes = c.seam.BytesToSend();
    if (bytes.empty()) break;
    // --link-delay: only bytes whose delay has passed may go (all of them without one).
    const std::uint64_t allowed = c.gate.Releasable(now_, c.bytes_out + bytes.size()) - c.bytes_out;
    if (allowed == 0) break;
    const long n = WriteSome(c.fd, bytes.data(),
                             std::min({bytes.size(), kWriteChunk, static_cast<std::size_t>(allowed)}));
    if (n > 0) {
      c.seam.MarkBytesSent(static_cast<std::size_t>(n));
      c.bytes_out += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    ++counters_.remote_closes;
    MarkClose(c, std::string("send: ") + std::strerror(errno), false);
    return;
  }
  if (c.closing) return;
  // Bytes still held by the link delay do not need EPOLLOUT: FlushDelayed releases them.
  const std::size_t queued = c.seam.BytesToSend().size();
  const bool want = queued > 0 && c.gate.Releasable(now_, c.bytes_out + queued) > c.bytes_out;
  if (want != c.want_write) {
    c.want_write = want;
    loop_->Modify(c.fd, want, Token(c.generation, c.peer));
  }
}

void Daemon::FlushDirty() {
  std::vector<bitcoin::PeerId> dirty;
  dirty.swap(dirty_);
  for (bitcoin::PeerId id : dirty) {
    Connection* c = id < conns_.size() ? conns_[id].get() : nullptr;
    if (c == nullptr || !c->dirty) continue;
    c->dirty = false;
    if (!c->closing) Flush(*c);
  }
}

void Daemon::MarkClose(Connection& c, std::string reason, bool offense) {
  if (c.closing) return;
  c.closing = true;
  c.close_reason = std::move(reason);
  c.offense = offense;
  closing_.push_back(c.peer);
}

void Daemon::ProcessCloses() {
  std::vector<bitcoin::PeerId> batch;
  batch.swap(closing_);
  for (bitcoin::PeerId id : batch) {
    Connection& c = *conns_[id];
    if (c.fd >= 0) {
      loop_->Remove(c.fd);
      CloseFd(c.fd);
      c.fd = -1;
    }
    if (c.connecting) {
      ++counters_.connect_failures;
      if (c.from_node) connect_failed_.push_back(c.remote.ip);
    }
    AppendPeerRow(c);
    if (c.offense || c.score > 0) RecordOffender(c);
    Log("closed peer " + std::to_string(id) + " " + c.remote.ToString() + ": " + c.close_reason);
    if (c.target >= 0) {
      ConnectTarget& t = targets_[c.target];
      t.peer = kNoPeer;
      if (c.established_at < 0) {
        ScheduleRetry(t, c.close_reason);
      } else {
        t.next_attempt = now_ + config_.retry_min;  // it worked: try again soon
      }
    }
    if (c.node_knows) {
      c.node_knows = false;
      Feed(bitcoin::PeerDisconnected{id});  // the slot is still held: id cannot be reused yet
    }
    conns_[id].reset();
  }
}

}  // namespace peerlab::testbed
