// Double spend: pays a merchant, mines a conflicting private chain from before the payment,
// publishes it once the merchant has `confirmations` and it is longer; gives up `max_deficit`
// behind and starts again (strategy.hpp).
#include "peerlab/bitcoin/node.hpp"
#include "private_branch.hpp"
#include "strategies.hpp"

namespace peerlab::bitcoin::strategies {
namespace {

class DoubleSpend final : public PrivateBranch {
 public:
  using PrivateBranch::PrivateBranch;

  void Start(Node& node) override {
    PrivateBranch::Start(node);
    StartAttempt(node);
  }

  void OnOwnBlockMined(Node& node, BlockHandle h, Outbox& out) override {
    Extend(node, h);
    ++stats.blocks_withheld;
    if (!paid_) {  // the premined block is in: pay now
      paid_ = true;
      ++stats.attempts;
    }
    OnPublicChange(node, out);
  }

  void OnPublicChange(Node& node, Outbox& out) override {
    const BlockStore& s = store(node);
    const StrategyConfig& c = config();
    const auto fork_height = static_cast<std::int64_t>(s.Get(fork_).height);
    const std::int64_t honest = static_cast<std::int64_t>(s.Get(public_best).height) - fork_height;
    const std::int64_t own = static_cast<std::int64_t>(s.Get(private_head_).height) - fork_height;
    if (!paid_) {
      // Premining: an honest block first means starting again on top of it.
      if (honest > 0) StartAttempt(node);
      return;
    }
    // The payment sits in the public chain's first block after the fork.
    const BlockHandle payment =
        honest > 0 ? s.Ancestor(public_best, static_cast<std::uint32_t>(fork_height + 1)) : kNoBlock;
    if (honest >= static_cast<std::int64_t>(c.confirmations) && own > honest) {
      // The merchant has shipped and our chain is longer: publish it.
      PublishUpTo(node, s.Get(private_head_).height, out);
      ++stats.attempts_published;
      out.Observe({Observation::Kind::kAttemptEnded, payment, kNoBlock, 0, kNoTx, UINT32_MAX, 1});
      StartAttempt(node);
      return;
    }
    if (honest - own >= static_cast<std::int64_t>(c.max_deficit)) {
      ++stats.attempts_abandoned;
      out.Observe({Observation::Kind::kAttemptEnded, payment, kNoBlock, 0, kNoTx, UINT32_MAX, 0});
      StartAttempt(node);
    }
  }

 private:
  void StartAttempt(Node& node) {
    AdoptPublic(node);
    fork_ = public_best;
    paid_ = !config().premine;
    if (paid_) ++stats.attempts;
  }

  BlockHandle fork_ = kGenesis;  // the attempt's fork point
  bool paid_ = false;            // the payment has been made
};

}  // namespace

std::unique_ptr<StrategyHooks> MakeDoubleSpend(const StrategyConfig& c) {
  return std::make_unique<DoubleSpend>(c);
}

}  // namespace peerlab::bitcoin::strategies
