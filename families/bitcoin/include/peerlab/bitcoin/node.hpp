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
// with `getheaders` (legacy relay fetches them at once with `getdata`); blocks are fetched from
// peers whose best known chain has at least as much work as our tip, so an equal-work competitor
// is downloaded but not adopted (first seen wins); a received block is validated (a modelled CPU
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

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "peerlab/bitcoin/address.hpp"
#include "peerlab/bitcoin/addrman.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/detail/node_parts.hpp"
#include "peerlab/bitcoin/message.hpp"
#include "peerlab/bitcoin/node_config.hpp"
#include "peerlab/bitcoin/node_io.hpp"
#include "peerlab/bitcoin/strategy.hpp"
#include "peerlab/bitcoin/strategy_hooks.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/util/rng.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin {

class Node {
 public:
  // `blocks`, `txs` and `config` outlive the node and are shared with other nodes. `rng_seed`
  // seeds the node's private RNG together with its index.
  // `local_address`: where the node listens, which it announces to peers (kNoAddress: it does
  // not announce itself).
  Node(std::uint32_t index, const NodeConfig& config, BlockStore& blocks, const TxStore& txs,
       std::uint64_t rng_seed, NetAddress local_address = kNoAddress);

  // Handles one input; what the node wants done is appended to `out` (node_io.hpp).
  void Handle(TimeNs now, const Input& input, Outbox& out);
  // Makes this node follow `strategy` (kept by the caller, outliving the node) from now on:
  // the registry's hooks for its kind (strategy_hooks.hpp).
  void SetStrategy(const StrategyConfig& strategy);
  // Null for an honest node.
  const StrategyStats* strategy_stats() const { return strategy_ ? &strategy_->stats : nullptr; }
  // Eclipse attacker: the addresses its addr floods draw from (its own, then trash), kept.
  void SetFloodAddresses(std::vector<NetAddress> addresses);
  // After a restart, the anchors still to be tried (most recent last).
  const std::vector<NetAddress>& anchors() const { return conn_.anchors; }

  std::uint32_t index() const { return index_; }
  // Open mode: nonces tried in all real blocks this node mined (proof-of-work effort).
  std::uint64_t pow_tries() const { return chain_.pow_tries; }
  BlockHandle tip() const { return chain_.tip; }
  BlockHandle best_header() const { return chain_.best_header; }
  bool HasBlock(BlockHandle h) const { return Has(h, detail::kChainComplete); }
  bool KnowsTx(TxHandle h) const { return TxHas(h, detail::kTxKnown); }
  std::size_t mempool_count() const { return tx_.mempool_live; }
  std::uint64_t mempool_bytes() const { return tx_.mempool_bytes; }
  std::size_t connected_peers() const;
  std::size_t high_bandwidth_peers() const { return chain_.hb_peers.size(); }
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
  const AddrMan& addrman() const { return conn_.addrman; }
  NetAddress local_address() const { return conn_.local_address; }
  // A hint for drivers: start loading this node's hot state into cache (its first two lines
  // and the transaction relay's handles, tx_).
  [[gnu::always_inline]] void Prefetch() const {
    __builtin_prefetch(this);
    __builtin_prefetch(reinterpret_cast<const char*>(this) + 64);
    __builtin_prefetch(&tx_);
    __builtin_prefetch(reinterpret_cast<const char*>(&tx_) + 64);
  }
  // Second stage, once the node itself is in cache: the state of one of its peers, and with
  // transaction relay its known-set head and the status byte of the newest transaction (the
  // messages that arrive name recent ones).
  [[gnu::always_inline]] void PrefetchPeer(PeerId peer) const {
    if (peer < peers_.size()) __builtin_prefetch(peers_.data() + peer);
    if (peer < tx_.hot.size()) {
      __builtin_prefetch(tx_.hot.data() + peer);
      PrefetchNewestTxs();
    }
  }
  // The same for a timer (its Timer::Kind as a number, and its argument): a trickle's peer
  // row and known-set head (outbound) or the first of all of them (inbound), and what
  // PrefetchNewestTxs loads.
  [[gnu::always_inline]] void PrefetchTimer(std::uint32_t timer_kind, std::uint32_t arg) const {
    const auto kind = static_cast<Timer::Kind>(timer_kind);
    if (kind == Timer::Kind::kTrickleOutbound) {
      PrefetchPeer(arg);
    } else if (kind == Timer::Kind::kTrickleInbound && !tx_.hot.empty()) {
      __builtin_prefetch(peers_.data());
      __builtin_prefetch(tx_.hot.data());
      PrefetchNewestTxs();
    }
  }

 private:
  // The end of the announcement log and the status byte of the newest transaction: what
  // transaction messages and trickles read (they deal with recent transactions).
  [[gnu::always_inline]] void PrefetchNewestTxs() const {
    if (!tx_.log.empty()) __builtin_prefetch(&tx_.log.back());
    tx_.status.Prefetch(static_cast<TxHandle>(txs_->size() - 1));
  }

  // The parts of the node's state (detail/node_parts.hpp says who owns what).
  using Peer = detail::Peer;
  using PeerSession = detail::PeerSession;
  static constexpr PeerId kNoPeer = detail::kNoPeer;

  // node.cpp: dispatch, handshake, pings, misbehaviour, peer lifecycle and eviction
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
  // Core's peer timeouts: a handshake not done 60 s after the connection opened, a ping not
  // answered in 20 min, a block download without progress for one block interval plus half
  // of one per other peer we download from. One timer per node checks them all at the
  // earliest deadline; the overdue peers are dropped (what they owed us is asked of others).
  void OnPeerTimeouts(TimeNs now, Outbox& out);
  void ArmPeerTimeouts(TimeNs at, Outbox& out);  // makes sure a check runs by `at`
  // The earliest timeout of a connected peer, or kTimeNever; `downloading`: peers we are
  // downloading blocks from.
  TimeNs PeerDeadline(const Peer& p, std::uint32_t downloading) const;

  // node_restart.cpp: offline and back (Restart), anchors
  void OnRestart(Outbox& out);
  NetAddress TakeAnchor();  // the next usable anchor, or kNoAddress

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
  std::uint32_t OutboundCount(ConnectionKind kind) const;  // connected plus pending
  void MaintainConnections(Outbox& out);  // arms the connection timer if below target
  void OnOpenConnectionsTimer(Outbox& out);
  void OnFeelerTimer(Outbox& out);
  void OnConnectFailed(const ConnectFailed& in, Outbox& out);
  // Core's ThreadOpenAddedConnections: every minute while an added connection is down, dial it.
  void OnAddedConnectionsTimer(Outbox& out);
  void ArmAddedConnections(Outbox& out);
  void OnOutboundEstablished(PeerId peer, Outbox& out);
  // An address worth connecting to (Core's ThreadOpenConnections rules), or kNoAddress.
  NetAddress ChooseAddress(bool new_only);
  bool Usable(NetAddress a) const;  // not ours, not in use, its group not used outbound
  bool ConnectedTo(NetAddress a) const;

  // node_blocks.cpp: block relay, download, validation and the chain
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
  // Announces own held blocks (a chain, oldest first) and makes the last one our tip.
  void PublishOwn(std::span<const BlockHandle> blocks, Outbox& out);
  bool ConnectHeader(PeerId peer, BlockHandle h, Outbox& out);
  void AcceptHeader(BlockHandle h);
  void UpdatePeerBestKnown(Peer& p, BlockHandle h);
  bool PeerHasHeader(const Peer& p, BlockHandle h) const;
  void FetchBlocks(PeerId peer, Outbox& out);
  void FetchFromAllPeers(Outbox& out);
  // Asks `peer` for the blocks in out.block_scratch (marks them in flight).
  void RequestBlocks(PeerId peer, Outbox& out);
  void RemoveInFlight(BlockHandle h);
  void MarkChainComplete(BlockHandle h, Outbox& out);
  void SetTip(BlockHandle new_tip, Outbox& out);
  void AnnounceTip(BlockHandle fork, Outbox& out);
  void PushCompactBlock(BlockHandle h, Outbox& out);
  void SelectHighBandwidthPeer(PeerId peer, Outbox& out);
  // `from_parent`: the locator starts at our best header's parent (Core's first getheaders to a
  // peer), so an up-to-date peer's answer names its best block.
  void SendGetHeaders(PeerId peer, BlockHandle stop, Outbox& out, bool from_parent = false);
  void SendBlockList(PeerId peer, MsgType type, Outbox& out);  // sends out.block_scratch as `type`
  void SendBlockMessage(PeerId peer, MsgType type, BlockHandle h, Outbox& out);

  // node_mining.cpp: own blocks
  void OnBlockFound(TimeNs now, const BlockFound& in, Outbox& out);
  // A new block of ours on `parent`, stored and held (not yet announced). kNoBlock only in
  // open mode, if no real block could be built.
  BlockHandle MineBlock(TimeNs now, BlockHandle parent, Outbox& out, std::uint32_t header_time = 0);
  // Open mode: a real block ground with the store's chain parameters.
  BlockHandle MineRealBlockOn(TimeNs now, BlockHandle parent, std::uint32_t header_time, Outbox& out);

  // node_txs.cpp: transactions and the mempool
  void OnTxInv(PeerId peer, const Message& m, Outbox& out);
  void OnTx(TimeNs now, PeerId peer, const Message& m, Outbox& out);
  void AcceptTx(TxHandle h, PeerId from, TimeNs now, Outbox& out);
  void Trickle(TimeNs now, PeerId peer, Outbox& out);
  void AnnounceTxs(TimeNs now, PeerId peer, Outbox& out);  // one peer's part of a trickle
  // Sends out.tx_scratch (the peer's candidates, best first) up to the broadcast limit.
  void SendTxInv(TimeNs now, PeerId peer, Outbox& out);
  void CompactTxLog();
  void ArmTrickle(TimeNs now, PeerId peer, Outbox& out);
  void ConnectBlockTxs(BlockHandle h);
  void DisconnectBlockTxs(BlockHandle h);
  void FillBlockTemplate(std::vector<TxHandle>& txs);

  // Status of a block or transaction of the shared stores, as this node sees it.
  bool Has(BlockHandle h, std::uint8_t bits) const { return chain_.status.Has(h, bits); }
  void Set(BlockHandle h, std::uint8_t bits);
  void Clear(BlockHandle h, std::uint8_t bits) { chain_.status.Clear(h, bits); }
  bool TxHas(TxHandle h, std::uint8_t bits) const { return tx_.status.Has(h, bits); }
  void TxSet(TxHandle h, std::uint8_t bits);
  void TxClear(TxHandle h, std::uint8_t bits) { tx_.status.Clear(h, bits); }

  // What every input touches comes first: Prefetch() loads the first two cache lines (up to
  // the chain's in-flight list).
  std::uint32_t index_;
  const NodeConfig* config_;
  BlockStore* store_;
  const TxStore* txs_;
  // Null: honest (checked on every input). Strategies (strategies/) act through its hooks and
  // reach this node's state through StrategyHooks' forwarders.
  std::unique_ptr<StrategyHooks> strategy_;
  friend class StrategyHooks;
  std::vector<Peer> peers_;  // indexed by PeerId
  TimeNs now_ = 0;           // time of the input being handled
  detail::ChainSync chain_;
  detail::TxRelay tx_;
  Rng rng_;
  detail::Connections conn_;
};

}  // namespace peerlab::bitcoin
