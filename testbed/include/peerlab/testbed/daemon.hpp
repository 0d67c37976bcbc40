// Daemon: one bitcoin::Node driven over real TCP by a single-threaded epoll loop (peerlabd;
// docs/testbed.md). The node stays sans-IO: the daemon turns socket bytes into node inputs
// through a ByteSeam per connection, carries out the node's Outbox (sends, timers, connects,
// disconnects), and records observations to DIR (status.json, blocks.csv, peers.csv).
//
// Every buffer and queue is bounded (see DaemonConfig): the receive side by ByteSeam's frame
// limit plus a per-connection budget before the handshake, the send side by max_send_queue,
// the connection table by max_inbound plus the outbound targets, unhandshaked inbound
// connections by max_pending and max_pending_per_address (admission.hpp), headers held
// without their blocks by max_blockless_headers, the timer queue by a fixed capacity, the
// offender list by kMaxOffenders. Nothing throws out of the loop.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/bitcoin/byte_seam.hpp"
#include "peerlab/bitcoin/message.hpp"
#include "peerlab/bitcoin/node.hpp"
#include "peerlab/testbed/admission.hpp"
#include "peerlab/testbed/chain.hpp"
#include "peerlab/testbed/config.hpp"
#include "peerlab/testbed/event_loop.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::testbed {

// What the defences did, for status.json and tests.
struct DaemonCounters {
  std::uint64_t accepted = 0;             // inbound connections taken
  std::uint64_t refused_full = 0;         // inbound closed at once: no slot for it
  std::uint64_t refused_address = 0;      // inbound closed at once: max_pending_per_address
  std::uint64_t evicted_pending = 0;      // unhandshaked inbound closed for a newcomer
  std::uint64_t evicted_inbound = 0;      // established inbound the node evicted (Core rules)
  std::uint64_t header_limit_disconnects = 0;  // a header beyond max_blockless_headers
  std::uint64_t outbound_attempts = 0;
  std::uint64_t connect_failures = 0;     // refused, unreachable or timed out
  std::uint64_t handshake_timeouts = 0;   // no version/verack in time (slow-loris)
  std::uint64_t idle_timeouts = 0;
  std::uint64_t prehandshake_overflows = 0;  // too many bytes before the handshake
  std::uint64_t send_overflows = 0;       // the peer does not read what we send
  std::uint64_t malformed_streams = 0;    // bad magic or oversize length: stream unusable
  std::uint64_t punishments = 0;          // node kPeerPunished observations
  std::uint64_t node_disconnects = 0;     // the node dropped the peer (score 100, feeler, ...)
  std::uint64_t remote_closes = 0;        // the peer closed or the socket failed
  std::uint64_t timers_dropped = 0;       // timer queue full (never for an honest node)
  std::uint64_t accept_pauses = 0;        // out of file descriptors: accepting paused
  std::uint64_t reorgs = 0;               // tip changes that left blocks of the old chain
  // Messages the node took in and sent, by bitcoin::MsgType (status.json "messages", by
  // command). Received ones count as the node saw them: in open mode a compact block that
  // must be fetched whole arrives as its header, one with every transaction as a block.
  std::array<std::uint64_t, bitcoin::kMsgTypeCount> messages_in{};
  std::array<std::uint64_t, bitcoin::kMsgTypeCount> messages_out{};
};

class Daemon {
 public:
  // Resolves the chain, builds the node, creates DIR, binds the listening socket and writes a
  // first status.json. Errors are one line.
  static Result<std::unique_ptr<Daemon>> Create(const DaemonConfig& config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Loops until SIGTERM/SIGINT (with handle_signals) or RequestStop(), then Shutdown().
  Status Run();
  // One iteration, waiting at most `max_wait` for sockets or timers (in-process tests).
  void RunOnce(DurationNs max_wait);
  void RequestStop() { loop_->RequestStop(); }
  // Runtime control for in-process tests (tests/conformance/socket_conformance_test.cpp).
  // RequestMine: one block on the tip at the next RunOnce, exactly as SIGUSR1 does.
  void RequestMine() { loop_->RequestMine(); }
  // Adds `to` to the --connect targets, or resumes a dropped one: dialled at the next
  // housekeeping and redialled as any target.
  void AddConnectTarget(const Endpoint& to);
  // Stops dialling the --connect target `to` and closes its connection, as a partition would
  // cut the link. False if `to` is not a live target.
  bool DropConnectTarget(const Endpoint& to);
  // Closes every connection, writes the final status.json, flushes the tables. Idempotent.
  void Shutdown();

  const Endpoint& listen_endpoint() const { return listen_at_; }
  const bitcoin::Node& node() const { return stack_->node; }
  const bitcoin::BlockStore& blocks() const { return stack_->blocks; }
  const DaemonCounters& counters() const { return counters_; }
  std::size_t connection_count() const;
  std::size_t established_count() const;
  // The status.json document as it would be written now.
  std::string StatusJson() const;

  static constexpr std::size_t kMaxOffenders = 32;  // newest kept in status.json
  static constexpr std::size_t kReadChunk = 64 * 1024;
  static constexpr std::size_t kTimerCapacity = 1 << 16;

 private:
  struct Connection {
    // Open mode: what the peer sends is checked and added to the node's store by the seam.
    Connection(bitcoin::PeerId id, NodeStack& stack)
        : peer(id), seam(bitcoin::ByteSeam::Open(id, stack.blocks, stack.txs)) {}
    int fd = -1;
    bitcoin::PeerId peer;
    std::uint32_t generation = 0;  // tells stale epoll events from a reused peer id
    bool inbound = false;
    bool connecting = false;   // outbound TCP connect in progress
    bool node_knows = false;   // the node thinks the peer is connected
    bool closing = false;      // queued for close: inputs from it are ignored
    bool want_write = false;   // EPOLLOUT registered
    bool dirty = false;        // in dirty_ (bytes to flush)
    bool version_received = false;
    bool offense = false;      // closed for misbehaviour (listed in offenders)
    int target = -1;           // index into targets_ (--connect), or -1
    bool from_node = false;    // a node-chosen outbound connection (Outbox::connects)
    bitcoin::ConnectionKind kind = bitcoin::ConnectionKind::kFullRelay;
    Endpoint remote;
    bitcoin::ByteSeam seam;
    DelayGate gate;  // --link-delay for the remote address (inactive: no delay)
    TimeNs opened_at = 0;
    TimeNs last_recv_at = 0;
    TimeNs established_at = -1;
    std::uint64_t bytes_in = 0, bytes_out = 0, msgs_in = 0, msgs_out = 0;
    std::uint32_t score = 0;   // misbehaviour total the node reported
    std::uint32_t malformed = 0;  // frames the seam could not decode (MalformedMessage)
    std::string refusal;  // a header limit refusal (ByteSeam::last_error), for the close reason
    std::string close_reason;
  };
  struct ConnectTarget {
    Endpoint endpoint;
    bitcoin::PeerId peer = kNoPeer;  // its current connection
    TimeNs next_attempt = 0;
    DurationNs backoff = 0;
    std::uint64_t attempts = 0;
    std::uint64_t failures = 0;
    std::string last_error;
    bool dropped = false;  // DropConnectTarget: not dialled until AddConnectTarget
    bitcoin::ConnectionKind kind = bitcoin::ConnectionKind::kFullRelay;
  };
  struct Offender {
    TimeNs at;
    Endpoint remote;
    bool inbound;
    std::uint32_t score;
    std::uint64_t bytes_in;
    std::string reason;
  };
  static constexpr bitcoin::PeerId kNoPeer = UINT32_MAX;
  static constexpr std::uint64_t kListenToken = UINT64_MAX - 1;

  Daemon(const DaemonConfig& config, ChainSetup chain);
  Status Open();

  // daemon.cpp: the loop, connections, the node's inputs and outbox.
  void Feed(const bitcoin::Input& input);
  void ApplyOutbox();
  void OnObservation(const bitcoin::Observation& o);
  void AcceptAll();
  void OnReadable(Connection& c);
  void OnWritable(Connection& c);
  void OnConnectDone(Connection& c);
  void Flush(Connection& c);
  void FlushDirty();
  void MarkClose(Connection& c, std::string reason, bool offense);
  void ProcessCloses();
  void Housekeeping(TimeNs now);
  void StartOutbound(const Endpoint& to, int target, bool from_node,
                     bitcoin::ConnectionKind kind);
  Connection* NewConnection();  // null when the table is full
  Connection* Lookup(std::uint64_t token);
  std::size_t inbound_count() const;  // not closing
  // Inbound connections, not closing, whose handshake has not completed (admission.hpp).
  std::vector<PendingConnection> PendingPool() const;
  // Whether an inbound connection may be taken now, evicting an unhandshaked one if the
  // pool or the inbound slots are full; false: leave it queued in the kernel until the next
  // wakeup (every candidate was accepted in this one).
  bool MakeRoomForNewcomer(const Endpoint* remote);
  void CloseAllMarked();  // ProcessCloses until nothing is left (never from ApplyOutbox)
  void ScheduleRetry(ConnectTarget& t, const std::string& error);
  TimeNs NextDeadline() const;
  // daemon_delay.cpp: --link-delay (link_delay.hpp).
  void ApplyLinkDelay(Connection& c);
  void FlushDelayed();
  TimeNs NextDelayRelease() const;

  // daemon_report.cpp: status.json, CSV tables, log lines.
  Status OpenTables();
  void WriteStatus();
  void AppendBlockRow(bitcoin::BlockHandle h);
  void SaveBlock(bitcoin::BlockHandle h);  // --save-blocks
  void Tick();  // reads both clocks into now_ and unix_now_s_
  void AppendPeerRow(const Connection& c);
  void RecordOffender(const Connection& c);
  std::string HandshakeState(const Connection& c) const;
  void Log(const std::string& line) const;

  DaemonConfig config_;
  ChainSetup chain_;
  SteadyClock clock_;
  std::uint32_t unix_start_ = 0;
  TimeNs now_ = 0;
  // CLOCK_REALTIME read together with now_ (Tick): block rows carry the wakeup's instant, the
  // one the userspace delay gate counts from, so a reach time measured across daemons is never
  // shorter than the delay plus validation it includes.
  double unix_now_s_ = 0;
  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<NodeStack> stack_;
  bitcoin::MessagePool pool_;
  bitcoin::Outbox outbox_{pool_};
  TimerQueue timers_{kTimerCapacity};
  int listen_fd_ = -1;
  Endpoint listen_at_;
  TimeNs accept_paused_until_ = -1;  // >= 0: listening socket out of the epoll set until then

  std::vector<std::unique_ptr<Connection>> conns_;  // by PeerId; null = free
  std::size_t max_connections_ = 0;
  std::uint32_t next_generation_ = 1;
  std::vector<bitcoin::PeerId> dirty_;    // connections with bytes to write
  std::vector<bitcoin::PeerId> closing_;  // connections to close, in order
  std::vector<bitcoin::NetAddress> connect_failed_;  // ConnectFailed inputs still to feed
  std::vector<ConnectTarget> targets_;
  std::vector<Readiness> ready_;
  std::vector<std::uint8_t> read_buffer_;

  std::optional<Rng> mining_rng_;
  TimeNs next_mine_at_ = kTimeNever;
  std::uint64_t blocks_mined_ = 0;
  std::vector<bool> own_blocks_;  // by BlockHandle: mined here

  TimeNs next_housekeeping_ = 0;
  TimeNs next_status_ = 0;
  DaemonCounters counters_;
  std::deque<Offender> offenders_;  // at most kMaxOffenders, newest last
  std::FILE* blocks_csv_ = nullptr;
  std::FILE* peers_csv_ = nullptr;
  bool shut_down_ = false;
  std::uint64_t refused_logged_ = 0;
  std::uint64_t headers_refused_seen_ = 0;  // BlockStore::headers_refused at the last check
};

// The resident set size of this process in KiB (/proc/self/status VmRSS), 0 if unknown.
std::uint64_t ResidentKiB();

}  // namespace peerlab::testbed
