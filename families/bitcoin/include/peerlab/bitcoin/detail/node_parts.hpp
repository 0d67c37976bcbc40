// The private layout of a Node (node.hpp), by responsibility. Internal: only node.hpp, the
// node's own .cpp files (families/bitcoin/src/node*.cpp) and its strategies (strategy_hooks.hpp,
// families/bitcoin/src/strategies/) include it; nothing else may name these types
// (tests/node_outbox_test.cpp checks it).
//
// Why a header at all: drivers keep nodes by value (the simulation holds a std::vector<Node>
// and calls Handle per event), so Node's members must be complete where Node is; a pimpl would
// add a pointer chase to every event. The parts are plain structs owned by Node:
//   Peer (one row per connection slot; each part of the node owns some of its fields),
//   ChainSync (node_blocks.cpp: block status, download, validation, the tip),
//   TxRelay (node_txs.cpp: transaction status, the mempool, trickling),
//   Connections (node_addr.cpp, node_restart.cpp: the address manager, outbound connections,
//   anchors). A strategy's state is its own (strategy_hooks.hpp, src/strategies/).
// Each keeps its own invariants through its methods; Node's handlers, which touch several
// parts for one message, sit in the .cpp file of the part they mostly change.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "peerlab/bitcoin/address.hpp"
#include "peerlab/bitcoin/addrman.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/node_config.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin::detail {

inline constexpr PeerId kNoPeer = UINT32_MAX;

// Per-block status bits (ChainSync::status).
inline constexpr std::uint8_t kHaveHeader = 1;
inline constexpr std::uint8_t kInFlight = 2;
inline constexpr std::uint8_t kValidating = 4;
inline constexpr std::uint8_t kHaveData = 8;        // validated and stored
inline constexpr std::uint8_t kChainComplete = 16;  // it and all its ancestors have data
inline constexpr std::uint8_t kPushedCompact = 32;  // sent to high-bandwidth peers
// Per-transaction status bits (TxRelay::status).
inline constexpr std::uint8_t kTxKnown = 1;      // we have its body
inline constexpr std::uint8_t kTxRequested = 2;  // getdata sent, body not yet here
inline constexpr std::uint8_t kTxInMempool = 4;
inline constexpr std::uint8_t kTxConfirmed = 8;  // in a block of our active chain
inline constexpr std::uint8_t kTxPrivate = 16;   // in one of our withheld blocks

// A status byte per handle of a shared store (blocks or transactions); handles never seen
// read as 0. Grows on the first Set past its end, to the store's size then, so that a burst of
// new handles costs one resize.
class StatusBytes {
 public:
  std::uint8_t Get(std::uint32_t h) const { return h < bytes_.size() ? bytes_[h] : 0; }
  bool Has(std::uint32_t h, std::uint8_t bits) const {
    return h < bytes_.size() && (bytes_[h] & bits) != 0;
  }
  // `store`: a BlockStore or TxStore; its size() is read only when growing.
  template <class Store>
  void Set(std::uint32_t h, std::uint8_t bits, const Store& store) {
    if (h >= bytes_.size()) bytes_.resize(std::max<std::size_t>(store.size(), h + 1), 0);
    bytes_[h] |= bits;
  }
  void Clear(std::uint32_t h, std::uint8_t bits) {
    if (h < bytes_.size()) bytes_[h] &= static_cast<std::uint8_t>(~bits);
  }
  // A hint: start loading the byte of `h` (if it exists) into cache.
  [[gnu::always_inline]] void Prefetch(std::uint32_t h) const {
    if (h < bytes_.size()) __builtin_prefetch(bytes_.data() + h);
  }
  void ClearEverywhere(std::uint8_t bits) {
    for (std::uint8_t& b : bytes_) b &= static_cast<std::uint8_t>(~bits);
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

// The transactions a peer is known to have, among the most recent kWindow created in the
// whole simulation (Core keeps a rolling bloom filter of 50,000): a bitmap over a sliding
// window of transaction handles, which are dense and grow with time. Older ones are
// forgotten, as the rolling filter forgets.
//
// Stored in two parts for the cache. The bitmap itself, a ring of words (Ring, 1 KiB), lives
// in the peer's PeerTx; this object holds the window's base and a write-back copy of the two
// words used last (one per word parity), and the node keeps these objects for all its peers
// side by side (TxRelay::hot). Handles in use are the recent ones, so nearly every lookup is
// answered here: a trickle to all inbound peers reads a few adjacent cache lines instead of
// one cold bitmap line per peer. Same answers as the plain bitmap: a cached word is the ring
// word it stands for, written back when another word of its parity takes its place, dropped
// when the window slides past it (its ring word is cleared then too).
class RecentTxSet {
 public:
  static constexpr std::uint32_t kWindow = 8192;
  static constexpr std::uint32_t kWords = kWindow / 64;
  using Ring = std::array<std::uint64_t, kWords>;  // word w holds handles 64w..64w+63 at w % kWords

  void Insert(TxHandle h, Ring& ring) {
    if (h - base_ >= kWindow) {
      if (h < base_) return;  // already forgotten
      Slide(h, ring);
    }
    const auto rel = static_cast<std::uint8_t>((h - base_) / 64);
    const std::uint32_t e = (h / 64) & 1;
    if (tag_[e] != rel) {
      if (tag_[e] != kNoWord) ring[(base_ / 64 + tag_[e]) % kWords] = word_[e];
      tag_[e] = rel;
      word_[e] = ring[(h / 64) % kWords];
    }
    word_[e] |= std::uint64_t{1} << (h % 64);
  }
  bool Contains(TxHandle h, const Ring& ring) const {
    if (h - base_ >= kWindow) return false;  // unsigned: also h < base_
    const std::uint32_t e = (h / 64) & 1;
    const std::uint64_t word =
        tag_[e] == (h - base_) / 64 ? word_[e] : ring[(h / 64) % kWords];
    return (word >> (h % 64)) & 1;
  }

 private:
  static constexpr std::uint8_t kNoWord = UINT8_MAX;
  void Slide(TxHandle h, Ring& ring);  // node_txs.cpp: makes h's word the newest, forgets older

  TxHandle base_ = 0;  // lowest handle in the window, a multiple of 64
  // The cached words (by the parity of handle / 64), as word numbers from base_'s (< kWords).
  std::uint8_t tag_[2] = {kNoWord, kNoWord};
  std::uint64_t word_[2] = {0, 0};
};
static_assert(RecentTxSet::kWords < 255);

// Transaction relay state of one peer that the node reads for every batch it sends or
// receives (TxRelay::hot, indexed by PeerId). 32 bytes, aligned: one cache line per lookup.
struct alignas(32) PeerTxHot {
  RecentTxSet known;
  // Sequence number (TxRelay::log) of the first accepted transaction not yet considered for
  // this peer; set to the log's end when the connection is established.
  std::uint32_t cursor = 0;
  bool has_left = false;  // PeerTx::left is not empty
};
static_assert(sizeof(PeerTxHot) == 32);


// Transaction relay state of one peer; only allocated when transactions are relayed, so
// block-only simulations keep peers small. What is new for the peer is not copied here: it is
// the node's announcement log (TxRelay::log) from the peer's cursor on.
struct PeerTx {
  // Candidates that did not fit in the previous inv (over the broadcast limit), announced at
  // a later trickle with the new ones; usually empty.
  std::vector<TxHandle> left;
  RecentTxSet::Ring known_words{};  // the ring of PeerTxHot::known
};

// What relay loops never read: kept out of line so that scanning all peers stays within a
// few cache lines.
struct PeerSession {
  bool version_received = false;
  bool verack_received = false;
  bool feeler = false;
  bool getaddr_sent = false;      // we asked it; its big answer is not relayed (Core)
  bool getaddr_answered = false;  // answered once per connection (Core)
  bool addr_trickle_armed = false;
  bool addr_relay = false;  // we relay addresses to it (Core: after it takes part in gossip)
  NetAddress address = kNoAddress;
  TimeNs connected_at = 0;
  TimeNs last_block_time = -1;  // it sent us a new block (eviction protection)
  TimeNs last_tx_time = -1;     // it sent us a new transaction (eviction protection)
  DurationNs min_ping = -1;
  // Addresses it knows (sent by it or to it), most recent first out: Core keeps a rolling
  // bloom filter of 5000; fresh-address relay only needs the recent ones.
  std::array<NetAddress, 16> addr_known{};
  std::uint8_t addr_known_next = 0;
  std::vector<TimedAddress> addr_to_send;  // at most kMaxAddrPerMessage
  std::uint32_t misbehavior = 0;
  std::uint32_t start_height = 0;
  std::uint64_t local_nonce = 0;  // our version nonce on this connection
  std::uint64_t ping_nonce = 0;   // outstanding ping, 0 = none
  TimeNs ping_sent_at = 0;
  DurationNs last_rtt = -1;
  // When the blocks we asked it for last made progress: the first request, or the arrival of
  // one while others stay asked (Core's m_downloading_since; Node::OnPeerTimeouts).
  TimeNs downloading_since = 0;
};

// One connection slot (indexed by PeerId). Relay loops scan these, so the row stays small and
// what they never read lives in the session.
struct Peer {
  bool connected = false;    // the link is up
  bool established = false;  // version and verack exchanged: relay may start
  bool inbound = false;
  bool block_relay_only = false;  // an outbound block-relay-only connection of ours
  bool relay_txs = false;         // transactions are announced both ways on it
  bool prefers_headers = false;
  bool supports_compact = false;    // sent sendcmpct
  bool wants_compact_push = false;  // sent sendcmpct(1): push cmpctblock to it
  bool trickle_armed = false;
  // Core's nUnconnectingHeaders, counted modulo its limit. Here rather than in the session:
  // every `headers` message resets it, and the session is a cache miss.
  std::uint8_t unconnecting_headers = 0;
  BlockHandle best_known = kNoBlock;  // most-work block the peer is known to have
  BlockHandle best_sent = kNoBlock;   // last header we sent it
  std::uint32_t in_flight = 0;
  std::unique_ptr<PeerTx> tx;  // null unless config.tx_relay
  std::unique_ptr<PeerSession> session;  // set from the first connection on
};

struct InFlight {
  BlockHandle block;
  PeerId peer;
};
struct PendingCompact {  // waiting for blocktxn
  BlockHandle block;
  PeerId peer;
};

// Chain and block download (node_blocks.cpp). Its hot fields come first: Node puts it right
// after the peer table, within the two cache lines Node::Prefetch loads.
struct ChainSync {
  StatusBytes status;  // per BlockHandle: kHaveHeader...
  BlockHandle tip = kGenesis;
  BlockHandle best_header = kGenesis;
  std::vector<InFlight> in_flight;     // at most peers x max_blocks_in_flight_per_peer
  std::vector<InFlight> delivered_by;  // blocks being validated and the peer that sent them
  std::vector<PendingCompact> pending_compact;
  std::vector<PeerId> hb_peers;  // we asked them for cmpctblock pushes, oldest first
  // Peers that asked us for cmpctblock pushes (sendcmpct(1)), ascending: PushCompactBlock
  // visits these instead of scanning every peer (ten cache lines at 16 peers).
  std::vector<PeerId> push_peers;
  std::vector<BlockHandle> waiting;  // have data, waiting for an ancestor's data
  TimeNs validation_free_at = 0;     // blocks are validated one at a time, in arrival order
  std::uint32_t blocks_mined = 0;
  std::uint64_t pow_tries = 0;  // open mode only

  // Forgets the request for `h` (clears kInFlight); the peer it was asked from, or kNoPeer.
  PeerId TakeInFlight(BlockHandle h);
  // Forgets who delivered `h`, now validated: that peer, or kNoPeer.
  PeerId TakeDeliverer(BlockHandle h);
  void SetPushPeer(PeerId peer, bool wants_push);
  // Forgets everything that involves `peer`, which is gone; true if blocks requested from it
  // were released (worth asking others).
  bool DropPeer(PeerId peer);
  // The process went down at `now`: requests and validations in progress are lost; headers,
  // validated blocks and those waiting for an ancestor stay.
  void Restart(TimeNs now);
};

// Transactions and the mempool (node_txs.cpp).
struct TxRelay {
  // An accepted transaction to announce, and the peer it came from (kNoPeer: our own), which
  // is not told.
  struct Accepted {
    TxHandle tx;
    PeerId from;
  };

  // What every transaction message or trickle reads comes first, within the two cache lines
  // Node::Prefetch loads: the status bytes', the peers' and the log's handles.
  StatusBytes status;  // per TxHandle: kTxKnown...
  // Per PeerId, valid while the peer has a PeerTx (sized when one is made).
  std::vector<PeerTxHot> hot;
  std::uint32_t log_base = 0;
  std::uint32_t log_compact_at = 64;
  bool inbound_trickle_armed = false;
  // Transactions accepted, in acceptance order, that some peer has yet to consider: one
  // append per transaction instead of one per peer queue (each a cache miss), read by every
  // peer's trickle from its cursor. log[i] has sequence number log_base + i. Bound: entries
  // before every established peer's cursor are dropped once the log doubles (CompactLog),
  // so it holds what the slowest peer has pending, as its own queue would.
  std::vector<Accepted> log;
  std::vector<TxHandle> mempool;  // may hold entries no longer in the mempool (lazy)
  std::uint64_t mempool_bytes = 0;
  std::size_t mempool_live = 0;
  std::vector<TxHandle> scratch;

  std::uint32_t LogEnd() const { return log_base + static_cast<std::uint32_t>(log.size()); }
  const Accepted& LogAt(std::uint32_t seq) const { return log[seq - log_base]; }
  // Drops the entries before `first_needed` (the smallest cursor of an established peer).
  void CompactLog(std::uint32_t first_needed);

  // Enters `h`, not in the mempool, into it.
  void AddToMempool(TxHandle h, const TxStore& txs);
  // Takes `h` out if it is in; the list is compacted once mostly stale.
  void RemoveFromMempool(TxHandle h, const TxStore& txs);
  void CompactMempool();
};

struct PendingConnect {
  NetAddress address;
  ConnectionKind kind;
};

// The peer manager's own state (node_addr.cpp, node_restart.cpp; the peer rows are Node's):
// the address manager and the outbound connections chosen from it.
struct Connections {
  Connections(const AddrManConfig& config, std::uint64_t addrman_key, NetAddress local,
              std::uint64_t relay_key)
      : addrman(config, addrman_key), local_address(local), addr_key(relay_key) {}

  AddrMan addrman;
  NetAddress local_address = kNoAddress;
  std::uint64_t addr_key;  // keys relay-target choice and network-group hashing
  // Attempts under way: at most one outbound and one feeler, and the added connections.
  std::vector<PendingConnect> pending;
  // Core's added nodes (-addnode): the outbound connections the driver opened for us in a fixed
  // topology (NodeConfig::redial_outbound), dialled again every minute while one is down.
  std::vector<PendingConnect> added;
  bool added_armed = false;  // the kAddedConnections timer
  bool ping_armed = false;
  bool open_armed = false;    // the kOpenConnections timer
  TimeNs timeouts_at = -1;    // when the kPeerTimeouts timer fires; -1: not armed
  bool feeler_armed = false;
  bool restarted = false;     // came back from offline at least once
  std::vector<NetAddress> anchors;  // Core's anchors.dat: at most 2, tried first after a restart

  std::uint32_t PendingCount(ConnectionKind kind) const {
    std::uint32_t n = 0;
    for (const PendingConnect& pc : pending) n += pc.kind == kind;
    return n;
  }
  // The process went down: attempts and timers are gone, addresses and anchors kept.
  void Restart() {
    pending.clear();
    ping_armed = false;
    timeouts_at = -1;
    added_armed = false;
    open_armed = false;
    feeler_armed = false;
    restarted = true;
  }
};

}  // namespace peerlab::bitcoin::detail
