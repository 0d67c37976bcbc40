// Eclipse attacker (Heilman et al. 2015; StrategyKind::kEclipse). The engine gives the node a
// pool of addresses (its own, which reach it, and trash nobody listens at) and opens
// connections to the victim in its name; every flood_interval the node sends, on every
// connection it has with the victim, an addr message of 1000 entries from the pool (so the
// cost of the floods does not grow with the rate of new connections). Everything else it does
// as an honest node would.
#include <algorithm>

#include "peerlab/bitcoin/node.hpp"
#include "strategies.hpp"

namespace peerlab::bitcoin::strategies {
namespace {

class Eclipse final : public StrategyHooks {
 public:
  using StrategyHooks::StrategyHooks;

  void SetFloodAddresses(std::vector<NetAddress> addresses) override {
    flood_ = std::move(addresses);
    flood_next_ = 0;
  }

  bool IsVictim(const Node&, const detail::Peer& p) const override {
    return p.session && p.session->address == config().victim_address;
  }

  void OnPeerReady(Node& node, PeerId peer, Outbox& out) override {
    if (!IsVictim(node, peers(node)[peer])) return;
    if (!flood_armed_ && config().flood_interval > 0) {
      flood_armed_ = true;
      out.Arm(now(node) + config().flood_interval, Timer{Timer::Kind::kStrategyFlood, 0});
    }
  }

  void OnFloodTimer(Node& node, Outbox& out) override {
    flood_armed_ = false;
    bool any = false;
    std::vector<detail::Peer>& all = peers(node);
    for (PeerId id = 0; id < all.size(); ++id) {
      if (!all[id].established || !IsVictim(node, all[id])) continue;
      SendFlood(node, id, out);
      any = true;
    }
    // With no connection to the victim the timer stops; the next handshake restarts it.
    if (any) {
      flood_armed_ = true;
      out.Arm(now(node) + config().flood_interval, Timer{Timer::Kind::kStrategyFlood, 0});
    }
  }

  void OnRestart() override { flood_armed_ = false; }

 private:
  void SendFlood(const Node& node, PeerId peer, Outbox& out) {
    if (flood_.empty()) return;
    // Consecutive windows of the pool, so that every address goes out as often as any other;
    // all fresh, as the paper's attacker makes them look.
    const std::size_t count = std::min(kMaxAddrPerMessage, flood_.size());
    MessageId id;
    Message& m = out.NewMessage(MsgType::kAddr, &id);
    for (std::size_t k = 0; k < count; ++k) {
      m.AddAddress({flood_[flood_next_], UnixNow(node)});
      flood_next_ = (flood_next_ + 1) % flood_.size();
    }
    out.SendMessage(peer, id);
    ++stats.flood_messages;
  }

  std::vector<NetAddress> flood_;  // the fixed pool floods draw from
  std::size_t flood_next_ = 0;     // where the next flood starts
  bool flood_armed_ = false;
};

}  // namespace

std::unique_ptr<StrategyHooks> MakeEclipse(const StrategyConfig& c) {
  return std::make_unique<Eclipse>(c);
}

}  // namespace peerlab::bitcoin::strategies
