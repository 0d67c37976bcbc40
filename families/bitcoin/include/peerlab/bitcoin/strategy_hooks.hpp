// The hook interface between the honest node and a strategy (strategy.hpp says what the
// strategies are). A Node holds a StrategyHooks only when it follows a strategy; an honest node
// holds none, so its hot path pays one null test per decision point and no virtual call.
//
// Each virtual method is one decision point of the honest node's files (node*.cpp); its default
// is what an honest node does there. A strategy (one file under families/bitcoin/src/strategies/)
// overrides the points it deviates at and keeps its own state as members. Hooks run inside the
// node's Handle(): they see only what the node knows (design §3) and act through the Outbox.
//
// Strategies reach the node's private state only through the protected helpers below
// (StrategyHooks is Node's friend; the helpers forward), so the node's layout stays its own.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "peerlab/bitcoin/address.hpp"
#include "peerlab/bitcoin/block_store.hpp"
#include "peerlab/bitcoin/node_io.hpp"
#include "peerlab/bitcoin/strategy.hpp"
#include "peerlab/bitcoin/tx_store.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::bitcoin {

class Node;
namespace detail {
struct Peer;
}

class StrategyHooks {
 public:
  // `config` outlives the strategy (the node's caller keeps it).
  explicit StrategyHooks(const StrategyConfig& config) : config_(&config) {}
  virtual ~StrategyHooks() = default;
  StrategyHooks(const StrategyHooks&) = delete;
  StrategyHooks& operator=(const StrategyHooks&) = delete;

  const StrategyConfig& config() const { return *config_; }

  // ---- decision points (defaults: honest) ----
  // Once, when the node takes the strategy (its chain is whatever it has then).
  virtual void Start(Node& node);
  // The block the node mines its next block on.
  virtual BlockHandle MiningParent(Node& node);
  // The node mined `h` (stored, held, not announced): by default it is published.
  virtual void OnOwnBlockMined(Node& node, BlockHandle h, Outbox& out);
  // True: the transaction stays out of the node's block template. The default keeps out
  // transactions already in the node's withheld blocks.
  virtual bool ExcludedFromTemplate(const Node& node, TxHandle t) const;
  // After an input that made `public_best` change (public_changed was set).
  virtual void OnPublicChange(Node& node, Outbox& out);
  // The node is about to announce its new tip: true holds the announcement back.
  virtual bool HoldsAnnouncement(Node& node, Outbox& out);
  // The strategy's announce timer (Timer::Kind::kStrategyAnnounce) fired.
  virtual void OnAnnounceTimer(Node& node, Outbox& out);
  // False: the node ignores getheaders.
  virtual bool ServesHeaders() const { return true; }
  // False: the node does not push `h` as a compact block to high-bandwidth peers.
  virtual bool PushesCompact(const Node& node, BlockHandle h) const;
  // True: the node does not relay a transaction it just accepted (the hook counts it).
  virtual bool DropsTransaction() { return false; }
  // True: `p` is the strategy's target; the node keeps it out of its inbound limit, its
  // outbound count and its address requests.
  virtual bool IsVictim(const Node& node, const detail::Peer& p) const;
  // `peer` finished its handshake.
  virtual void OnPeerReady(Node& node, PeerId peer, Outbox& out);
  // The strategy's flood timer (Timer::Kind::kStrategyFlood) fired.
  virtual void OnFloodTimer(Node& node, Outbox& out);
  // The node came back from offline: its timers are gone.
  virtual void OnRestart() {}
  // Eclipse attacker: the addresses its floods draw from. Others must not be given any.
  virtual void SetFloodAddresses(std::vector<NetAddress> addresses);

  // ---- what every strategy keeps (read by the node, not virtual) ----
  StrategyStats stats;
  // Most-work block others could know (theirs, or ours once published).
  BlockHandle public_best = kGenesis;
  // A new public block arrived; OnPublicChange runs once the input is handled.
  bool public_changed = false;
  // A header from the network reached the node (AcceptHeader).
  void NotePublicHeader(const Node& node, BlockHandle h);

 protected:
  // The node's state a strategy may read or change (forwarders; strategies/hooks.cpp).
  static const BlockStore& store(const Node& n);
  static const TxStore& txs(const Node& n);
  static BlockHandle tip(const Node& n);
  static std::uint32_t index(const Node& n);
  static TimeNs now(const Node& n);
  static std::uint32_t UnixNow(const Node& n);
  static bool TxHas(const Node& n, TxHandle t, std::uint8_t bits);
  static void TxSet(Node& n, TxHandle t, std::uint8_t bits);
  static void TxClear(Node& n, TxHandle t, std::uint8_t bits);
  // Announces own held blocks (a chain, oldest first) and makes the last one the tip.
  static void PublishOwn(Node& n, std::span<const BlockHandle> blocks, Outbox& out);
  // Announces the node's tip now, as a new tip would be.
  static void AnnounceTip(Node& n, Outbox& out);
  static std::vector<detail::Peer>& peers(Node& n);

 private:
  const StrategyConfig* config_;
};

// The strategy for `config.kind` (strategies/registry.cpp); kHonest gets the defaults.
std::unique_ptr<StrategyHooks> MakeStrategy(const StrategyConfig& config);
// The scenario name of a strategy kind ("selfish-mining", "double-spend", ...).
std::string_view StrategyName(StrategyKind kind);

}  // namespace peerlab::bitcoin
