// Daemon: the loop, the node's inputs and outbox, connect targets and housekeeping (sockets
// and connection slots are in daemon_connections.cpp, status and tables in daemon_report.cpp).
//
// Re-entrancy rule: Feed (node.Handle + ApplyOutbox) is never called from ApplyOutbox.
// Whatever the outbox asks that would produce a new input (a connection closes, a connect
// fails at once) is queued (closing_, connect_failed_) and fed from the loop afterwards, so
// one outbox is fully applied before the next input. A connection marked closing stays in its
// slot (its PeerId not reusable) until the node has been told, then its slot is freed.
#include "peerlab/testbed/daemon.hpp"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "daemon_internal.hpp"
#include "peerlab/bitcoin/rng_purposes.hpp"
#include "peerlab/testbed/socket.hpp"

namespace peerlab::testbed {

using namespace daemon_internal;

Result<std::unique_ptr<Daemon>> Daemon::Create(const DaemonConfig& config) {
  auto chain = LookupChain(config.chain);
  if (!chain.ok()) return chain.status();
  std::unique_ptr<Daemon> d(new Daemon(config, std::move(chain).value()));
  if (Status s = d->Open(); !s.ok()) return s;
  return d;
}

Daemon::Daemon(const DaemonConfig& config, ChainSetup chain)
    : config_(config), chain_(std::move(chain)) {
  unix_start_ = static_cast<std::uint32_t>(::time(nullptr));
  read_buffer_.resize(kReadChunk);
  if (!config_.listen_set) config_.listen = {0x7f000001, chain_.default_port};
  // Inbound slots plus one for a newcomer the node decides on (it may evict an established
  // peer for it, or refuse it), one per --connect target, the node's own outbound and one
  // feeler.
  max_connections_ = config_.max_inbound + 1 + config_.connect.size() +
                     config_.connect_block_relay.size() + config_.outbound + 1;
}

Daemon::~Daemon() { Shutdown(); }

Status Daemon::Open() {
  auto loop = EventLoop::Create(config_.handle_signals);
  if (!loop.ok()) return loop.status();
  loop_ = std::move(loop).value();
  std::error_code ec;
  std::filesystem::create_directories(config_.datadir, ec);
  if (ec) return Status::Error("--datadir: cannot create " + config_.datadir + ": " + ec.message());
  auto fd = ListenTcp(config_.listen, kListenBacklog);
  if (!fd.ok()) return Status::Error("--listen: " + fd.status().message());
  listen_fd_ = *fd;
  auto bound = LocalEndpoint(listen_fd_);
  if (!bound.ok()) return bound.status();
  listen_at_ = *bound;
  if (Status s = loop_->Add(listen_fd_, false, kListenToken); !s.ok()) return s;
  // NetAddress has no port: the node may announce itself only where peers would dial it, a
  // specific address on the chain's port.
  const bitcoin::NetAddress local =
      listen_at_.ip != 0 && listen_at_.port == chain_.default_port ? listen_at_.ip
                                                                   : bitcoin::kNoAddress;
  stack_ = MakeNodeStack(chain_, config_, unix_start_, local);
  if (Status s = OpenTables(); !s.ok()) return s;
  for (const Endpoint& e : config_.connect) {
    ConnectTarget t;
    t.endpoint = e;
    t.backoff = config_.retry_min;
    targets_.push_back(t);
  }
  for (const Endpoint& e : config_.connect_block_relay) {
    ConnectTarget t;
    t.endpoint = e;
    t.backoff = config_.retry_min;
    t.kind = bitcoin::ConnectionKind::kBlockRelayOnly;
    targets_.push_back(t);
  }
  Tick();
  if (!config_.known_peers.empty()) {
    // As a fresh node's fixed seeds: one source, so they share new-table buckets.
    Feed(bitcoin::SeedAddresses{config_.known_peers, config_.known_peers.front()});
  }
  if (config_.mine_mean_s > 0) {
    mining_rng_.emplace(config_.seed, 0, bitcoin::rng_purpose::kMining);
    next_mine_at_ = now_ + static_cast<DurationNs>(mining_rng_->Exponential(config_.mine_mean_s * 1e9));
  }
  Log("chain " + chain_.name + ", listening on " + listen_at_.ToString() + ", datadir " +
      config_.datadir + ", seed " + std::to_string(config_.seed));
  WriteStatus();
  next_status_ = now_ + config_.status_interval;
  return Status::Ok();
}

Status Daemon::Run() {
  while (!loop_->stop_requested()) RunOnce(kSecond);
  if (loop_->stop_signal() != 0) {
    Log(std::string("stopping on ") + strsignal(loop_->stop_signal()));
  }
  Shutdown();
  return Status::Ok();
}

void Daemon::Tick() {
  now_ = clock_.Now();
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  unix_now_s_ = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

TimeNs Daemon::NextDeadline() const {
  return std::min({timers_.next_at(), next_mine_at_, next_housekeeping_, next_status_,
                   NextDelayRelease()});
}

void Daemon::RunOnce(DurationNs max_wait) {
  if (shut_down_) return;
  Tick();
  DurationNs wait = std::min(NextDeadline() - now_, max_wait);
  if (!connect_failed_.empty() || !closing_.empty()) wait = 0;
  loop_->Wait(wait, ready_);
  Tick();
  bool listen_ready = false;
  for (const Readiness& r : ready_) {
    if (r.token == kListenToken) {
      listen_ready = true;
      continue;
    }
    Connection* c = Lookup(r.token);
    if (c == nullptr || c->closing) continue;
    if (c->connecting) {
      if (r.writable || r.error) OnConnectDone(*c);
      continue;
    }
    if (r.readable || r.error) OnReadable(*c);  // recv reports the end or the error
    if (!c->closing && r.writable) OnWritable(*c);
  }
  // Accept after reading: a connection accepted in the previous wakeup has had its bytes read
  // (its version seen) before newcomers may evict it (admission.hpp).
  if (listen_ready && accept_paused_until_ < 0) AcceptAll();
  std::vector<bitcoin::NetAddress> failed;
  failed.swap(connect_failed_);
  for (bitcoin::NetAddress a : failed) Feed(bitcoin::ConnectFailed{a});
  // A bound on timers per iteration keeps a timer re-armed at `now` from starving sockets.
  bitcoin::Timer timer;
  for (int i = 0; i < 4096 && timers_.PopDue(now_, &timer); ++i) {
    Feed(bitcoin::TimerFired{timer});
  }
  // SIGUSR1: one block now, on the tip, whether or not --mine is on (for scripted experiments
  // and tests that need a block at a known moment, e.g. after syncing from a peer).
  for (int n = loop_->TakeMineRequests(); n > 0; --n) {
    Feed(bitcoin::BlockFound{static_cast<std::uint32_t>(::time(nullptr))});
  }
  if (now_ >= next_mine_at_) {
    // The header time is the wall clock (the node raises it past the median time past), as
    // a real miner stamps it; peers check it against their own clocks.
    if (now_ < config_.mine_until) {
      Feed(bitcoin::BlockFound{static_cast<std::uint32_t>(::time(nullptr))});
    }
    next_mine_at_ =
        config_.mine_limit != 0 && blocks_mined_ >= config_.mine_limit
            ? kTimeNever
            : now_ + static_cast<DurationNs>(mining_rng_->Exponential(config_.mine_mean_s * 1e9));
    if (next_mine_at_ >= config_.mine_until) next_mine_at_ = kTimeNever;  // --mine-until
  }
  FlushDelayed();
  if (now_ >= next_housekeeping_) {
    Housekeeping(now_);
    next_housekeeping_ = now_ + kHousekeepingPeriod;
  }
  FlushDirty();
  while (!closing_.empty()) {
    ProcessCloses();
    FlushDirty();
  }
  if (now_ >= next_status_) {
    WriteStatus();
    next_status_ = now_ + config_.status_interval;
  }
}

void Daemon::Feed(const bitcoin::Input& input) {
  outbox_.Clear();
  stack_->node.Handle(now_, input, outbox_);
  ApplyOutbox();
}

void Daemon::ApplyOutbox() {
  // Observations first: a punishment's score is known before its disconnect is applied.
  for (const bitcoin::Observation& o : outbox_.observations) OnObservation(o);
  for (const bitcoin::Outbox::Send& s : outbox_.sends) {
    Connection* c = s.peer < conns_.size() ? conns_[s.peer].get() : nullptr;
    if (c != nullptr && c->node_knows && !c->closing && !c->connecting) {
      const bitcoin::Message& m = pool_.Get(s.message);
      if (m.type == bitcoin::MsgType::kVersion) {
        // Core takes the version's timestamp as a clock sample from its outbound peers: a
        // zero would count as 56 years slow.
        c->seam.SetVersionContext(::time(nullptr), ToNetAddr(c->remote));
      }
      c->seam.Send(m);
      c->gate.Queued(c->bytes_out + c->seam.BytesToSend().size(), now_);
      ++c->msgs_out;
      ++counters_.messages_out[static_cast<std::size_t>(m.type)];
      if (c->seam.BytesToSend().size() > config_.max_send_queue) {
        ++counters_.send_overflows;
        MarkClose(*c, "send queue above " + std::to_string(config_.max_send_queue) +
                          " bytes (the peer does not read)", true);
      } else if (!c->dirty) {
        c->dirty = true;
        dirty_.push_back(s.peer);
      }
    }
    pool_.Release(s.message);  // sent or dropped: the outbox's reference ends here
  }
  for (const bitcoin::Outbox::ArmTimer& t : outbox_.timers) {
    if (!timers_.Push(t.at, t.timer)) ++counters_.timers_dropped;
  }
  for (bitcoin::PeerId peer : outbox_.disconnects) {
    Connection* c = peer < conns_.size() ? conns_[peer].get() : nullptr;
    if (c == nullptr || !c->node_knows) continue;
    c->node_knows = false;  // the node already forgot it: no PeerDisconnected
    ++counters_.node_disconnects;
    if (c->score >= 100) {
      // A frame the store refused says why (e.g. a header beyond max_blockless_headers).
      MarkClose(*c, "misbehaviour score " + std::to_string(c->score) +
                        (!c->refusal.empty() ? " (" + c->refusal + ")"
                         : c->malformed > 0  ? " (malformed message)"
                                             : ""), true);
    } else {
      MarkClose(*c, "disconnected by the node", c->score > 0);
    }
  }
  for (const bitcoin::Outbox::Connect& want : outbox_.connects) {
    // NetAddress is IPv4 without a port: node-chosen peers are dialled on the chain's port.
    const std::uint16_t port = config_.dial_port != 0 ? config_.dial_port : chain_.default_port;
    StartOutbound({want.address, port}, -1, true, want.kind);
  }
}

void Daemon::OnObservation(const bitcoin::Observation& o) {
  using Kind = bitcoin::Observation::Kind;
  const bitcoin::BlockStore& blocks = stack_->blocks;
  switch (o.kind) {
    case Kind::kBlockMined:
      ++blocks_mined_;
      if (own_blocks_.size() <= o.block) own_blocks_.resize(o.block + 1, false);
      own_blocks_[o.block] = true;
      Log("mined block " + blocks.Get(o.block).id.ToHex() + " at height " +
          std::to_string(blocks.Get(o.block).height));
      break;
    case Kind::kBlockAccepted: AppendBlockRow(o.block); break;
    case Kind::kTipChanged:
      Log("tip " + blocks.Get(o.block).id.ToHex() + " height " +
          std::to_string(blocks.Get(o.block).height) +
          (o.reorg_depth > 0 ? ", reorg of " + std::to_string(o.reorg_depth) : std::string()));
      if (o.reorg_depth > 0) ++counters_.reorgs;
      break;
    case Kind::kPeerPunished: {
      ++counters_.punishments;
      Connection* c = o.peer < conns_.size() ? conns_[o.peer].get() : nullptr;
      if (c != nullptr) {
        c->score = o.score;
        Log("peer " + std::to_string(o.peer) + " " + c->remote.ToString() +
            " misbehaving: score " + std::to_string(o.score));
      }
      break;
    }
    case Kind::kPeerEvicted:
      ++counters_.evicted_inbound;
      Log("peer " + std::to_string(o.peer) + " evicted (inbound slots full)");
      break;
    default: break;
  }
}

void Daemon::AddConnectTarget(const Endpoint& to) {
  for (ConnectTarget& t : targets_) {
    if (t.endpoint == to) {
      t.dropped = false;
      t.backoff = config_.retry_min;
      t.next_attempt = now_;
      return;
    }
  }
  ConnectTarget t;
  t.endpoint = to;
  t.backoff = config_.retry_min;
  t.next_attempt = now_;
  targets_.push_back(t);
}

bool Daemon::DropConnectTarget(const Endpoint& to) {
  for (ConnectTarget& t : targets_) {
    if (t.endpoint != to || t.dropped) continue;
    t.dropped = true;
    if (t.peer != kNoPeer && conns_[t.peer] && !conns_[t.peer]->closing) {
      MarkClose(*conns_[t.peer], "connect target dropped", false);
    }
    return true;
  }
  return false;
}

void Daemon::ScheduleRetry(ConnectTarget& t, const std::string& error) {
  ++t.failures;
  t.last_error = error;
  t.next_attempt = now_ + t.backoff;
  t.backoff = std::min(t.backoff * 2, config_.retry_max);
}

void Daemon::Housekeeping(TimeNs now) {
  if (accept_paused_until_ >= 0 && now >= accept_paused_until_) {
    if (loop_->Add(listen_fd_, false, kListenToken).ok()) accept_paused_until_ = -1;
  }
  for (const auto& slot : conns_) {
    if (!slot || slot->closing) continue;
    Connection& c = *slot;
    if (c.connecting) {
      if (now - c.opened_at > config_.connect_timeout) MarkClose(c, "connect timeout", false);
      continue;
    }
    if (!stack_->node.IsEstablished(c.peer) && now - c.opened_at > config_.handshake_timeout) {
      ++counters_.handshake_timeouts;
      MarkClose(c, "no version/verack within " +
                       std::to_string(config_.handshake_timeout / kSecond) + " s", true);
      continue;
    }
    if (now - c.last_recv_at > config_.idle_timeout) {
      ++counters_.idle_timeouts;
      MarkClose(c, "nothing received for " + std::to_string(config_.idle_timeout / kSecond) +
                       " s", false);
    }
  }
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    ConnectTarget& t = targets_[i];
    if (!t.dropped && t.peer == kNoPeer && now >= t.next_attempt) {
      StartOutbound(t.endpoint, static_cast<int>(i), false, t.kind);
    }
  }
}

void Daemon::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (!stack_) {  // Create failed part way: nothing ran, nothing to report
    CloseFd(listen_fd_);
    listen_fd_ = -1;
    return;
  }
  Tick();
  for (auto& slot : conns_) {
    if (!slot) continue;
    if (slot->fd >= 0) {
      loop_->Remove(slot->fd);
      CloseFd(slot->fd);
      slot->fd = -1;
    }
    if (slot->close_reason.empty()) slot->close_reason = "shutdown";
    AppendPeerRow(*slot);
    slot.reset();
  }
  if (listen_fd_ >= 0) {
    if (accept_paused_until_ < 0) loop_->Remove(listen_fd_);
    CloseFd(listen_fd_);
    listen_fd_ = -1;
  }
  WriteStatus();
  for (std::FILE* f : {blocks_csv_, peers_csv_}) {
    if (f != nullptr) std::fclose(f);
  }
  blocks_csv_ = peers_csv_ = nullptr;
  Log("stopped");
}

}  // namespace peerlab::testbed
