// Black hole: does not relay (or delays) the blocks or transactions it receives; its own
// blocks go out as usual (strategy.hpp).
#include "peerlab/bitcoin/node.hpp"
#include "strategies.hpp"

namespace peerlab::bitcoin::strategies {
namespace {

class BlackHole final : public StrategyHooks {
 public:
  using StrategyHooks::StrategyHooks;

  bool HoldsAnnouncement(Node& node, Outbox& out) override {
    const StrategyConfig& c = config();
    if (c.blocks == RelayAction::kRelay || releasing_) return false;
    const BlockHandle t = tip(node);
    if (t != kGenesis && store(node).Get(t).miner == index(node)) return false;  // own blocks go out
    if (c.blocks == RelayAction::kDrop) {
      ++stats.blocks_not_relayed;
      return true;
    }
    ++stats.blocks_delayed;
    if (!announce_armed_) {
      announce_armed_ = true;
      out.Arm(now(node) + c.block_delay, Timer{Timer::Kind::kStrategyAnnounce, 0});
    }
    return true;
  }

  void OnAnnounceTimer(Node& node, Outbox& out) override {
    announce_armed_ = false;
    releasing_ = true;
    AnnounceTip(node, out);
    releasing_ = false;
  }

  bool ServesHeaders() const override { return config().blocks != RelayAction::kDrop; }

  bool PushesCompact(const Node& node, BlockHandle h) const override {
    return config().blocks == RelayAction::kRelay || store(node).Get(h).miner == index(node);
  }

  bool DropsTransaction() override {
    if (config().txs != RelayAction::kDrop) return false;
    ++stats.txs_not_relayed;
    return true;
  }

  void OnRestart() override { announce_armed_ = false; }

 private:
  bool announce_armed_ = false;  // a delayed announcement is pending
  bool releasing_ = false;       // the delayed announcement is being sent
};

}  // namespace

std::unique_ptr<StrategyHooks> MakeBlackHole(const StrategyConfig& c) {
  return std::make_unique<BlackHole>(c);
}

}  // namespace peerlab::bitcoin::strategies
