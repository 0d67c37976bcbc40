// Node: one Bitcoin-like peer as a sans-IO state machine.
//
// The driver (fast engine, ns-3, real sockets) feeds it inputs through Handle(now, input,
// outbox); the node appends what it wants done (messages to send, timers to arm,
// observations) to the outbox and never reads a clock, a socket or a global RNG, never throws.
// It keeps a status byte per block and per transaction of the shared stores and a small state
// per peer.
//
// Block relay follows Bitcoin Core (net_processing.cpp): a new tip is announced with `headers`
// to peers that sent `sendheaders` (else `inv` of the tip); unknown announcements are resolved
// with `getheaders` (legacy relay fetches them at once with `getdata`); blocks are fetched only
// from peers whose best known chain has more work than our tip, so an equal-work competitor is
// neither fetched nor adopted (first seen wins); a received block is validated (a modelled CPU
// delay) and connected; the tip is the chain of most work whose blocks are all validated.
// Compact relay (BIP152) adds: up to 3 high-bandwidth peers that push `cmpctblock` before full
// validation, low-bandwidth `getdata(cmpct)` for a new tip, reconstruction from the mempool and
// `getblocktxn`/`blocktxn` for what is missing. Transactions are announced by Poisson-trickled
// `inv`s (per outbound peer, shared for inbound), fetched with `getdata`, kept in a fee-ordered
// mempool with a size cap, and mined by fee rate.
//
// Peers (Core's net.cpp / net_processing.cpp): version/verack handshake with a self-connection
// check, ping/pong, misbehaviour scores, an address manager fed by seeds, `getaddr`/`addr` and
// relay of fresh self-announcements; the node chooses its own outbound peers from it (an
// Outbox::Connect the driver carries out), keeps 8 full-relay and 2 block-relay-only outbound
// connections, probes new addresses with feelers, and makes room for an inbound connection
// when full by evicting a peer (eviction.hpp). A node that was offline comes back with a
// Restart input (chain, mempool and addresses kept; anchors first).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "peerlab/bitcoin/address.hpp"
#include "peerlab/bitcoin/addrman.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/message.hpp"
#include "peerlab/bitcoin/strategy.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin {


enum class RelayMode : std::uint8_t {
  kHeaders,  // BIP130 sendheaders: headers -> getdata -> block; unknown invs resolved headers-first
  kLegacy,   // pre-headers-first (Core < 0.10, SimBlock): inv -> getdata -> block
  kCompact,  // BIP152 compact blocks (high- and low-bandwidth), with sendheaders
};

// The names scenarios (`protocol.relay`) and peerlabd (`--relay`) use, in enum order.
inline constexpr std::array<std::string_view, 3> kRelayModeNames = {"headers", "legacy",
                                                                     "compact"};
inline std::string_view RelayModeName(RelayMode m) {
  return kRelayModeNames[static_cast<std::size_t>(m)];
}
// The mode called `name`, or nothing.
inline std::optional<RelayMode> ParseRelayMode(std::string_view name) {
  for (std::size_t i = 0; i < kRelayModeNames.size(); ++i) {
    if (kRelayModeNames[i] == name) return static_cast<RelayMode>(i);
  }
  return std::nullopt;
}

// How much of Core's address gossip runs.
enum class AddrGossip : std::uint8_t {
  kFull,     // getaddr on new outbound connections, self-announcement, fresh-address relay
  kGetAddr,  // getaddr and its answers only (no announcements flooding the network)
  kOff,      // no address messages; the address manager holds only seeds and peers
};

enum class ConnectionKind : std::uint8_t { kFullRelay, kBlockRelayOnly, kFeeler };

// Bitcoin Core's defences against eclipse attacks (Heilman et al. 2015) that live in the node,
// each switchable to measure what it is worth; all on is what Core does today. Two more are in
// AddrManConfig (test_before_evict, bucket_limits).
struct Countermeasures {
  // Core 0.21 (anchors.dat): after a restart, first reconnect to the (up to 2) block-relay-only
  // peers the node had when it went down.
  bool anchors = true;
  // Core 0.13.1: feeler connections; off: none, whatever feeler_interval says.
  bool feelers = true;
  // Core 0.13.1 (PR 8594): a peer connecting to us never enters the address manager; off: an
  // inbound peer goes straight to tried at its `version` (Core before 0.13.1, which Heilman et
  // al. exploited; our version message carries no address, the connection's is taken).
  bool tried_outbound_only = true;
};

struct NodeConfig {
  RelayMode relay = RelayMode::kHeaders;
  DurationNs validation_fixed = 0;    // per-block validation delay
  DurationNs validation_per_mb = 0;   // plus this per 1,000,000 bytes of block
  std::uint32_t block_size_bytes = 1'000'000;  // most bytes a mined block may hold
  std::uint32_t max_blocks_in_flight_per_peer = 16;  // Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER
  std::uint32_t genesis_time = 0;  // header time (Unix seconds) of genesis; mined blocks add sim time
  std::uint32_t bits = 0;          // compact target of every block
  // Transactions. Without relay, blocks are filled with synthetic transactions of
  // `fill_tx_bytes` that every node is assumed to have (perfect mempool agreement).
  bool tx_relay = false;
  std::uint32_t fill_tx_bytes = 400;
  std::uint64_t mempool_max_bytes = 300'000'000;  // Core's -maxmempool default
  DurationNs trickle_outbound_mean = 2 * kSecond;  // Core OUTBOUND_INVENTORY_BROADCAST_INTERVAL
  DurationNs trickle_inbound_mean = 5 * kSecond;   // Core INBOUND_INVENTORY_BROADCAST_INTERVAL
  std::uint32_t max_high_bandwidth_peers = 3;      // BIP152 / Core
  DurationNs ping_interval = 0;  // Core pings every 2 min; 0 = no pings (saves events)
  // Outbound connections the node keeps: when one drops it picks another address from its
  // address manager. 0: the node never opens connections (fixed topologies).
  std::uint32_t target_outbound = 0;
  std::uint32_t target_block_relay_only = 0;
  // Inbound connections accepted at most; a new one beyond it evicts a peer or is refused.
  // 0: unlimited (fixed topologies).
  std::uint32_t max_inbound = 0;
  AddrGossip addr_gossip = AddrGossip::kFull;
  AddrManConfig addrman;
  DurationNs addr_trickle_mean = 30 * kSecond;  // Core AVG_ADDRESS_BROADCAST_INTERVAL
  DurationNs connect_interval = 500 * kMillisecond;  // Core's ThreadOpenConnections pace
  DurationNs feeler_interval = 2 * kMinute;     // Core FEELER_INTERVAL; 0 = no feelers
  Countermeasures countermeasures;
  // Open mode (the node's store is open: a daemon, design §3): output script of the coinbases
  // of the real blocks it mines; empty: OP_TRUE. Unused by the simulation.
  std::vector<std::uint8_t> coinbase_script;
};

struct Timer {
  enum class Kind : std::uint8_t {
    kValidationDone,
    kTrickleOutbound,
    kTrickleInbound,
    kPing,
    kOpenConnections,
    kFeeler,
    kAddrTrickle,  // arg: peer
    kStrategyAnnounce,  // a black hole's delayed announcement of its tip
    kStrategyFlood,     // an eclipse attacker's next addr flood to its victim
  };
  Kind kind = Kind::kValidationDone;
  std::uint32_t arg = 0;
};

// Inputs.
struct PeerConnected {
  PeerId peer;
  bool inbound;
  bool block_relay_only = false;  // we opened it to relay blocks only (Core: 2 such outbound)
  NetAddress address = kNoAddress;  // the remote's address (inbound: where it comes from)
  bool feeler = false;              // we opened it to test the address, then close it
};
// An Outbox::Connect to `address` failed: nobody there, or the remote refused (full).
struct ConnectFailed {
  NetAddress address;
};
// Addresses from DNS seeds or a fixed seed list, as a fresh node would query them.
struct SeedAddresses {
  std::span<const NetAddress> addresses;
  NetAddress source;  // the seed itself; its group bounds where they land in the new table
};
struct PeerDisconnected {
  PeerId peer;
};
struct MessageReceived {
  PeerId peer;
  const Message* message;
};
struct TimerFired {
  Timer timer;
};
// The mining oracle says this node found a block on its current tip. `header_time`: the new
// header's time in Unix seconds (a daemon passes its clock); 0: genesis time plus `now`.
// With an open store the node grinds a real block (mining.hpp) and stamps at least the
// parent's median time past + 1, so a burst of blocks in one second stays valid.
struct BlockFound {
  std::uint32_t header_time = 0;
};
struct SubmitTx {      // a wallet on this node created a transaction
  TxHandle tx;
};
// A byte-level driver could not frame or decode what the peer sent (bad magic, oversize,
// bad checksum, malformed payload). The node scores the peer and disconnects it.
struct MalformedMessage {
  PeerId peer;
};
// The node was offline since its previous input and is back (node_restart.cpp). The driver
// closed every connection the node had (it is not told of them one by one), dropped what was
// sent to it and every timer it had armed. The node keeps its chain, mempool and address
// manager (Core keeps peers.dat), forgets its peers and what it had requested, and opens
// connections again: with anchors on, first to the block-relay-only peers it had.
struct Restart {};
using Input = std::variant<PeerConnected, PeerDisconnected, MessageReceived, TimerFired,
                           BlockFound, SubmitTx, MalformedMessage, ConnectFailed, SeedAddresses,
                           Restart>;

struct Observation {
  enum class Kind : std::uint8_t {
    kBlockMined,     // block: the new block
    kBlockAccepted,  // block: now validated and stored by this node (mined or received)
    kTipChanged,     // block: new tip; previous: old tip; reorg_depth: blocks disconnected
    kTxAccepted,     // tx: entered this node's mempool for the first time
    kPeerPunished,   // peer: misbehaved; score: its total; disconnected when >= 100
    kPeerEvicted,    // peer: an inbound peer dropped to make room for a new one
    // Strategies: block: our block just published at the height of previous, an honest block
    // we heard of first (a race the network decides).
    kRaceStarted,
    // Double spend: block: the block holding the payment; score: 1 if the private chain was
    // published, 0 if the attempt was given up.
    kAttemptEnded,
  };
  Kind kind;
  BlockHandle block = kNoBlock;
  BlockHandle previous = kNoBlock;
  std::uint32_t reorg_depth = 0;
  TxHandle tx = kNoTx;
  PeerId peer = UINT32_MAX;
  std::uint32_t score = 0;
};

// What a node wants done. The driver owns it, clears it between inputs and reuses it.
class Outbox {
 public:
  struct Send {
    PeerId peer;
    MessageId message;
  };
  struct ArmTimer {
    TimeNs at;
    Timer timer;
  };

  explicit Outbox(MessagePool& pool) : pool_(&pool) {}

  // A fresh message for the node to fill; `*id` names it. The reference stays valid.
  Message& NewMessage(MsgType type, MessageId* id) {
    *id = pool_->Acquire(type);
    return pool_->Get(*id);
  }
  // Queues `id` to `peer`; the outbox takes over the caller's reference.
  void SendMessage(PeerId peer, MessageId id) { sends.push_back({peer, id}); }
  void Arm(TimeNs at, Timer timer) { timers.push_back({at, timer}); }
  void Observe(const Observation& o) { observations.push_back(o); }
  // The node closed this connection (it already considers it gone).
  void Disconnect(PeerId peer) { disconnects.push_back(peer); }
  // The node wants a connection to `address`; the driver answers with PeerConnected (not
  // inbound, with this address and kind) or ConnectFailed.
  struct Connect {
    NetAddress address;
    ConnectionKind kind;
  };
  void OpenConnection(NetAddress address, ConnectionKind kind) { connects.push_back({address, kind}); }
  void Clear() {
    sends.clear();
    timers.clear();
    observations.clear();
    disconnects.clear();
    connects.clear();
  }

  std::vector<Connect> connects;

  std::vector<PeerId> disconnects;
  std::vector<Send> sends;
  std::vector<ArmTimer> timers;
  std::vector<Observation> observations;

  // The node's working list of blocks within one call (never state between calls). It lives
  // in the driver's outbox, shared by all nodes, so that it stays in cache: a list per node
  // was a cold heap block on every block announcement.
  std::vector<BlockHandle> block_scratch;

 private:
  MessagePool* pool_;
};

class Node {
 public:
  // `blocks`, `txs` and `config` outlive the node and are shared with other nodes. `rng_seed`
  // seeds the node's private RNG together with its index.
  // `local_address`: where the node listens, which it announces to peers (kNoAddress: it does
  // not announce itself).
  Node(std::uint32_t index, const NodeConfig& config, BlockStore& blocks, const TxStore& txs,
       std::uint64_t rng_seed, NetAddress local_address = kNoAddress);

  void Handle(TimeNs now, const Input& input, Outbox& out);
  // Makes this node follow `strategy` (kept by the caller, outliving the node) from now on.
  void SetStrategy(const StrategyConfig& strategy);
  // Null for an honest node.
  const StrategyStats* strategy_stats() const { return strategy_ ? &strategy_->stats : nullptr; }
  // Eclipse attacker: the addresses its addr floods draw from (its own, then trash), kept.
  void SetFloodAddresses(std::vector<NetAddress> addresses);
  // After a restart, the anchors still to be tried (most recent last).
  const std::vector<NetAddress>& anchors() const { return anchors_; }

  std::uint32_t index() const { return index_; }
  // Open mode: nonces tried in all real blocks this node mined (proof-of-work effort).
  std::uint64_t pow_tries() const { return pow_tries_; }
  BlockHandle tip() const { return tip_; }
  BlockHandle best_header() const { return best_header_; }
  bool HasBlock(BlockHandle h) const { return Has(h, kChainComplete); }
  bool KnowsTx(TxHandle h) const { return TxHas(h, kTxKnown); }
  std::size_t mempool_count() const;
  std::uint64_t mempool_bytes() const { return mempool_bytes_; }
  std::size_t connected_peers() const;
  std::size_t high_bandwidth_peers() const { return hb_peers_.size(); }
  bool IsEstablished(PeerId peer) const {
    return peer < peers_.size() && peers_[peer].established;
  }
  std::uint32_t misbehavior(PeerId peer) const { return peers_[peer].session->misbehavior; }
  DurationNs last_rtt(PeerId peer) const { return peers_[peer].session->last_rtt; }
  NetAddress peer_address(PeerId peer) const { return peers_[peer].session->address; }
  bool IsOutbound(PeerId peer) const {
    return peer < peers_.size() && peers_[peer].connected && !peers_[peer].inbound;
  }
  bool IsBlockRelayOnly(PeerId peer) const { return peers_[peer].block_relay_only; }
  bool IsFeeler(PeerId peer) const {
    return peer < peers_.size() && peers_[peer].session && peers_[peer].session->feeler;
  }
  const AddrMan& addrman() const { return addrman_; }
  NetAddress local_address() const { return local_address_; }
  // A hint for drivers: start loading this node's hot state into cache.
  [[gnu::always_inline]] void Prefetch() const {
    __builtin_prefetch(this);
    __builtin_prefetch(reinterpret_cast<const char*>(this) + 64);
  }
  // Second stage, once the node itself is in cache: the state of one of its peers.
  [[gnu::always_inline]] void PrefetchPeer(PeerId peer) const {
    if (peer < peers_.size()) __builtin_prefetch(peers_.data() + peer);
  }

 private:
  // Per-block status bits.
  static constexpr std::uint8_t kHaveHeader = 1;
  static constexpr std::uint8_t kInFlight = 2;
  static constexpr std::uint8_t kValidating = 4;
  static constexpr std::uint8_t kHaveData = 8;        // validated and stored
  static constexpr std::uint8_t kChainComplete = 16;  // it and all its ancestors have data
  static constexpr std::uint8_t kPushedCompact = 32;  // sent to high-bandwidth peers
  // Per-transaction status bits.
  static constexpr std::uint8_t kTxKnown = 1;      // we have its body
  static constexpr std::uint8_t kTxRequested = 2;  // getdata sent, body not yet here
  static constexpr std::uint8_t kTxInMempool = 4;
  static constexpr std::uint8_t kTxConfirmed = 8;  // in a block of our active chain
  static constexpr std::uint8_t kTxPrivate = 16;   // in one of our withheld blocks

  // The transactions a peer is known to have, among the most recent kWindow created in the
  // whole simulation (Core keeps a rolling bloom filter of 50,000): a bitmap over a sliding
  // window of transaction handles, which are dense and grow with time. Older ones are
  // forgotten, as the rolling filter forgets. One cache line per lookup, 1 KiB per peer.
  class RecentTxSet {
   public:
    void Insert(TxHandle h);
    bool Contains(TxHandle h) const {
      if (h < base_ || h - base_ >= kWindow || bits_.empty()) return false;
      return (bits_[(h / 64) % kWords] >> (h % 64)) & 1;
    }

   private:
    static constexpr std::uint32_t kWindow = 8192;
    static constexpr std::uint32_t kWords = kWindow / 64;
    std::vector<std::uint64_t> bits_;  // a ring of words; word w holds handles 64w..64w+63
    TxHandle base_ = 0;                // lowest handle in the window, a multiple of 64
  };

  // Transaction relay state of one peer; only allocated when transactions are relayed, so
  // block-only simulations keep peers small.
  struct PeerTx {
    std::vector<TxHandle> queue;  // to announce at the next trickle
    RecentTxSet known;
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
  };

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
    // Core's nUnconnectingHeaders, counted modulo kMaxUnconnectingHeaders. Here rather than in
    // the session: every `headers` message resets it, and the session is a cache miss.
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

  // node.cpp: dispatch and peers
  void OnPeerConnected(TimeNs now, const PeerConnected& in, Outbox& out);
  bool MakeRoomForInbound(PeerId newcomer, Outbox& out);  // false: refuse the newcomer
  void OnPeerDisconnected(const PeerDisconnected& in, Outbox& out);
  void OnMessage(TimeNs now, PeerId peer, const Message& m, Outbox& out);
  void OnTimer(TimeNs now, const Timer& timer, Outbox& out);
  void SendEmpty(PeerId peer, MsgType type, Outbox& out);
  void SendVersion(PeerId peer, Outbox& out);
  void OnVersion(PeerId peer, const Message& m, Outbox& out);
  void OnVerack(PeerId peer, Outbox& out);
  void OnHandshakeComplete(PeerId peer, Outbox& out);
  void OnPingTimer(TimeNs now, Outbox& out);
  void OnPong(TimeNs now, PeerId peer, const Message& m);
  // Adds `score` to the peer's misbehaviour (Core's Misbehaving); at 100 it is disconnected.
  void Misbehaving(PeerId peer, std::uint32_t score, Outbox& out);
  void DisconnectPeer(PeerId peer, Outbox& out);
  void ForgetPeer(PeerId peer, Outbox& out);

  // node_restart.cpp: offline and back (Restart), anchors
  void OnRestart(Outbox& out);
  NetAddress TakeAnchor();  // the next usable anchor, or kNoAddress
  // node_eclipse.cpp: an eclipse attacker's floods to its victim
  bool IsVictim(const Peer& p) const;
  void OnStrategyPeerReady(PeerId peer, Outbox& out);
  void OnFloodTimer(Outbox& out);
  void SendFlood(PeerId peer, Outbox& out);

  // node_addr.cpp: addresses and outbound connections
  std::uint32_t UnixNow() const;  // now_ as the Unix seconds that addr messages carry
  void OnSeedAddresses(const SeedAddresses& in, Outbox& out);
  void OnGetAddr(PeerId peer, Outbox& out);
  void OnAddr(PeerId peer, const Message& m, Outbox& out);
  void RelayAddress(PeerId from, const TimedAddress& a, Outbox& out);
  void PushAddress(PeerId peer, const TimedAddress& a, Outbox& out);
  static bool AddressKnown(const PeerSession& s, NetAddress a);
  static void RememberAddress(PeerSession& s, NetAddress a);
  void SendAddresses(PeerId peer, Outbox& out);
  void MaintainConnections(Outbox& out);  // arms the connection timer if below target
  void OnOpenConnectionsTimer(Outbox& out);
  void OnFeelerTimer(Outbox& out);
  void OnConnectFailed(const ConnectFailed& in, Outbox& out);
  void OnOutboundEstablished(PeerId peer, Outbox& out);
  // An address worth connecting to (Core's ThreadOpenConnections rules), or kNoAddress.
  NetAddress ChooseAddress(bool new_only);
  bool Usable(NetAddress a) const;  // not ours, not in use, its group not used outbound
  bool ConnectedTo(NetAddress a) const;
  // node_blocks.cpp: block relay and the chain
  void OnInv(PeerId peer, const Message& m, Outbox& out);
  void OnGetHeaders(PeerId peer, const Message& m, Outbox& out);
  void OnHeaders(PeerId peer, const Message& m, Outbox& out);
  void OnGetData(PeerId peer, const Message& m, Outbox& out);
  void OnBlock(TimeNs now, PeerId peer, const Message& m, Outbox& out);
  void OnCmpctBlock(TimeNs now, PeerId peer, const Message& m, Outbox& out);
  void OnGetBlockTxn(PeerId peer, const Message& m, Outbox& out);
  void OnBlockTxn(TimeNs now, PeerId peer, const Message& m, Outbox& out);
  void OnBlockData(TimeNs now, PeerId peer, BlockHandle h, Outbox& out);
  void OnValidationDone(BlockHandle h, Outbox& out);
  void OnBlockFound(TimeNs now, const BlockFound& in, Outbox& out);
  // A new block of ours on `parent`, stored and held (not yet announced). kNoBlock only in
  // open mode, if no real block could be built.
  BlockHandle MineBlock(TimeNs now, BlockHandle parent, Outbox& out, std::uint32_t header_time = 0);
  // Open mode: a real block ground with the store's chain parameters (node_mining.cpp).
  BlockHandle MineRealBlockOn(TimeNs now, BlockHandle parent, std::uint32_t header_time, Outbox& out);
  // Announces own held blocks (a chain, oldest first) and makes the last one our tip.
  void PublishOwn(std::span<const BlockHandle> blocks, Outbox& out);

  // node_strategy.cpp
  BlockHandle MiningParent();
  void OnOwnBlockMined(BlockHandle h, Outbox& out);  // with a strategy
  void NotePublicHeader(BlockHandle h);
  void OnPublicChange(Outbox& out);
  void SelfishOnOwnBlock(BlockHandle h, Outbox& out);
  void SelfishOnPublicBlock(Outbox& out);
  void DoubleSpendOnChange(Outbox& out);
  void StartDoubleSpend();
  void AdoptPublic();
  void PublishUpTo(std::uint32_t height, Outbox& out);
  bool Offending(BlockHandle h);  // censor: carries the censored class
  BlockHandle CensorParent();
  bool HoldsAnnouncement(Outbox& out);  // black hole: true if the tip is not announced now
  bool ExcludedFromTemplate(TxHandle t) const;
  bool ConnectHeader(PeerId peer, BlockHandle h, Outbox& out);
  void AcceptHeader(BlockHandle h);
  void UpdatePeerBestKnown(Peer& p, BlockHandle h);
  bool PeerHasHeader(const Peer& p, BlockHandle h) const;
  void FetchBlocks(PeerId peer, Outbox& out);
  void FetchFromAllPeers(Outbox& out);
  void RemoveInFlight(BlockHandle h);
  void MarkChainComplete(BlockHandle h, Outbox& out);
  void SetTip(BlockHandle new_tip, Outbox& out);
  void AnnounceTip(BlockHandle fork, Outbox& out);
  void PushCompactBlock(BlockHandle h, Outbox& out);
  void SelectHighBandwidthPeer(PeerId peer, Outbox& out);
  void SendGetHeaders(PeerId peer, BlockHandle stop, Outbox& out);
  void SendBlockList(PeerId peer, MsgType type, Outbox& out);  // sends out.block_scratch as `type`
  void SendBlockMessage(PeerId peer, MsgType type, BlockHandle h, Outbox& out);

  // node_txs.cpp: transactions and the mempool
  void OnTxInv(PeerId peer, const Message& m, Outbox& out);
  void OnTx(TimeNs now, PeerId peer, const Message& m, Outbox& out);
  void AcceptTx(TxHandle h, PeerId from, TimeNs now, Outbox& out);
  void Trickle(TimeNs now, PeerId peer, Outbox& out);
  void ArmTrickle(TimeNs now, PeerId peer, Outbox& out);
  void ConnectBlockTxs(BlockHandle h);
  void DisconnectBlockTxs(BlockHandle h);
  void RemoveFromMempool(TxHandle h);
  void CompactMempool();
  void FillBlockTemplate(std::vector<TxHandle>& txs);

  std::uint32_t OutboundCount(ConnectionKind kind) const;  // connected plus pending

  std::uint8_t State(BlockHandle h) const { return h < state_.size() ? state_[h] : 0; }
  bool Has(BlockHandle h, std::uint8_t bits) const { return (State(h) & bits) != 0; }
  void Set(BlockHandle h, std::uint8_t bits);
  void Clear(BlockHandle h, std::uint8_t bits) {
    if (h < state_.size()) state_[h] &= static_cast<std::uint8_t>(~bits);
  }
  bool TxHas(TxHandle h, std::uint8_t bits) const {
    return h < tx_state_.size() && (tx_state_[h] & bits) != 0;
  }
  void TxSet(TxHandle h, std::uint8_t bits);
  void TxClear(TxHandle h, std::uint8_t bits) {
    if (h < tx_state_.size()) tx_state_[h] &= static_cast<std::uint8_t>(~bits);
  }

  static constexpr PeerId kNoPeer = UINT32_MAX;
  static constexpr std::uint8_t kMaxUnconnectingHeaders = 10;  // Core MAX_NUM_UNCONNECTING_HEADERS_MSGS

  // What every input touches comes first: Prefetch() loads the first two cache lines.
  std::uint32_t index_;
  const NodeConfig* config_;
  BlockStore* store_;
  const TxStore* txs_;
  std::unique_ptr<StrategyState> strategy_;  // null: honest (checked on every input)
  std::vector<Peer> peers_;             // indexed by PeerId
  TimeNs now_ = 0;                      // time of the input being handled
  std::vector<std::uint8_t> state_;     // indexed by BlockHandle
  std::vector<std::uint8_t> tx_state_;  // indexed by TxHandle
  Rng rng_;
  std::vector<InFlight> in_flight_;     // at most peers x max_blocks_in_flight_per_peer
  std::vector<InFlight> delivered_by_;  // blocks being validated and the peer that sent them
  std::vector<PendingCompact> pending_compact_;
  std::vector<PeerId> hb_peers_;        // we asked them for cmpctblock pushes, oldest first
  // Peers that asked us for cmpctblock pushes (sendcmpct(1)), ascending: PushCompactBlock
  // visits these instead of scanning every peer (ten cache lines at 16 peers).
  std::vector<PeerId> push_peers_;
  std::vector<BlockHandle> waiting_;    // have data, waiting for an ancestor's data
  std::vector<TxHandle> tx_scratch_;
  std::vector<TxHandle> mempool_;       // may hold entries no longer in the mempool (lazy)
  std::uint64_t mempool_bytes_ = 0;
  std::size_t mempool_live_ = 0;
  bool inbound_trickle_armed_ = false;
  bool ping_armed_ = false;
  BlockHandle tip_ = kGenesis;
  BlockHandle best_header_ = kGenesis;
  TimeNs validation_free_at_ = 0;  // blocks are validated one at a time, in arrival order
  std::uint32_t blocks_mined_ = 0;
  std::uint64_t pow_tries_ = 0;  // open mode only

  // Addresses and connections.
  AddrMan addrman_;
  NetAddress local_address_ = kNoAddress;
  std::uint64_t addr_key_;  // keys relay-target choice and network-group hashing
  struct PendingConnect {
    NetAddress address;
    ConnectionKind kind;
  };
  std::vector<PendingConnect> pending_connects_;  // at most one outbound and one feeler
  bool open_connections_armed_ = false;
  bool feeler_armed_ = false;
  bool restarted_ = false;          // came back from offline at least once
  std::vector<NetAddress> anchors_;  // Core's anchors.dat: at most 2, tried first after a restart

};

}  // namespace peerlab::bitcoin
