// StrategyHooks: the honest defaults of every decision point, and the forwarders through which
// strategies reach their node (strategy_hooks.hpp).
#include "peerlab/bitcoin/strategy_hooks.hpp"

#include "peerlab/bitcoin/node.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::bitcoin {

using namespace detail;  // the node's own parts (detail/node_parts.hpp)

void StrategyHooks::Start(Node& node) { public_best = tip(node); }

BlockHandle StrategyHooks::MiningParent(Node& node) { return tip(node); }

void StrategyHooks::OnOwnBlockMined(Node& node, BlockHandle h, Outbox& out) {
  PublishOwn(node, {&h, 1}, out);
}

bool StrategyHooks::ExcludedFromTemplate(const Node& node, TxHandle t) const {
  // Transactions already in our withheld blocks must not appear twice in our branch.
  return TxHas(node, t, kTxPrivate);
}

void StrategyHooks::OnPublicChange(Node&, Outbox&) {}

bool StrategyHooks::HoldsAnnouncement(Node&, Outbox&) { return false; }

void StrategyHooks::OnAnnounceTimer(Node&, Outbox&) {}

bool StrategyHooks::PushesCompact(const Node&, BlockHandle) const { return true; }

bool StrategyHooks::IsVictim(const Node&, const Peer&) const { return false; }

void StrategyHooks::OnPeerReady(Node&, PeerId, Outbox&) {}

void StrategyHooks::OnFloodTimer(Node&, Outbox&) {}

void StrategyHooks::SetFloodAddresses(std::vector<NetAddress>) {
  PEERLAB_ASSERT(false && "flood addresses are for an eclipse attacker");
}

void StrategyHooks::NotePublicHeader(const Node& node, BlockHandle h) {
  const BlockStore& s = store(node);
  if (s.Get(h).miner == index(node)) return;
  if (s.Get(h).chain_work > s.Get(public_best).chain_work) {
    public_best = h;
    public_changed = true;
  }
}

const BlockStore& StrategyHooks::store(const Node& n) { return *n.store_; }
const TxStore& StrategyHooks::txs(const Node& n) { return *n.txs_; }
BlockHandle StrategyHooks::tip(const Node& n) { return n.chain_.tip; }
std::uint32_t StrategyHooks::index(const Node& n) { return n.index_; }
TimeNs StrategyHooks::now(const Node& n) { return n.now_; }
std::uint32_t StrategyHooks::UnixNow(const Node& n) { return n.UnixNow(); }
bool StrategyHooks::TxHas(const Node& n, TxHandle t, std::uint8_t bits) { return n.TxHas(t, bits); }
void StrategyHooks::TxSet(Node& n, TxHandle t, std::uint8_t bits) { n.TxSet(t, bits); }
void StrategyHooks::TxClear(Node& n, TxHandle t, std::uint8_t bits) { n.TxClear(t, bits); }
void StrategyHooks::PublishOwn(Node& n, std::span<const BlockHandle> blocks, Outbox& out) {
  n.PublishOwn(blocks, out);
}
void StrategyHooks::AnnounceTip(Node& n, Outbox& out) {
  n.AnnounceTip(n.chain_.tip == kGenesis ? kGenesis : n.store_->Get(n.chain_.tip).parent, out);
}
std::vector<Peer>& StrategyHooks::peers(Node& n) { return n.peers_; }

}  // namespace peerlab::bitcoin
