// Node: strategies (strategy.hpp). Selfish mining and double spending keep a private branch
// and decide, on each own block and each new public block, what to publish; censors choose the
// block to mine on and what to leave out; black holes hold back announcements.
#include <algorithm>

#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin {

using namespace detail;  // the node's own parts (detail/node_parts.hpp)

void Node::SetStrategy(const StrategyConfig& strategy) {
  strategy_ = std::make_unique<StrategyState>(strategy);
  strategy_->private_head = chain_.tip;
  strategy_->public_best = chain_.tip;
  if (strategy.kind == StrategyKind::kDoubleSpend) StartDoubleSpend();
}

BlockHandle Node::MiningParent() {
  const StrategyConfig& c = *strategy_->config;
  switch (c.kind) {
    case StrategyKind::kSelfishMining:
    case StrategyKind::kDoubleSpend:
      return strategy_->private_head;
    case StrategyKind::kCensor:
      return c.censor_mode == CensorMode::kFeatherFork ? CensorParent() : chain_.tip;
    case StrategyKind::kHonest:
    case StrategyKind::kBlackHole:
    case StrategyKind::kEclipse:
      break;
  }
  return chain_.tip;
}

bool Node::ExcludedFromTemplate(TxHandle t) const {
  // Transactions already in our withheld blocks must not appear twice in our branch.
  if (TxHas(t, kTxPrivate)) return true;
  const StrategyConfig& c = *strategy_->config;
  return c.kind == StrategyKind::kCensor && txs_->Get(t).tx_class == c.censored_class;
}

void Node::OnOwnBlockMined(BlockHandle h, Outbox& out) {
  StrategyState& s = *strategy_;
  switch (s.config->kind) {
    case StrategyKind::kSelfishMining:
      SelfishOnOwnBlock(h, out);
      return;
    case StrategyKind::kDoubleSpend:
      for (TxHandle t : store_->Get(h).txs) TxSet(t, kTxPrivate);
      s.private_head = h;
      s.unpublished.push_back(h);
      ++s.stats.blocks_withheld;
      if (!s.paid) {  // the premined block is in: pay now
        s.paid = true;
        ++s.stats.attempts;
      }
      DoubleSpendOnChange(out);
      return;
    case StrategyKind::kCensor:
      if (store_->Get(h).parent != chain_.tip) {
        ++s.stats.fork_blocks;
        s.fork_head = h;
      }
      break;
    case StrategyKind::kHonest:
    case StrategyKind::kBlackHole:
    case StrategyKind::kEclipse:
      break;
  }
  PublishOwn({&h, 1}, out);
}

void Node::NotePublicHeader(BlockHandle h) {
  StrategyState& s = *strategy_;
  if (store_->Get(h).miner == index_) return;
  if (store_->Get(h).chain_work > store_->Get(s.public_best).chain_work) {
    s.public_best = h;
    s.public_changed = true;
  }
}

void Node::OnPublicChange(Outbox& out) {
  strategy_->public_changed = false;
  switch (strategy_->config->kind) {
    case StrategyKind::kSelfishMining:
      SelfishOnPublicBlock(out);
      break;
    case StrategyKind::kDoubleSpend:
      DoubleSpendOnChange(out);
      break;
    case StrategyKind::kHonest:
    case StrategyKind::kCensor:
    case StrategyKind::kBlackHole:
    case StrategyKind::kEclipse:
      break;
  }
}

void Node::AdoptPublic() {
  StrategyState& s = *strategy_;
  for (BlockHandle b : s.unpublished) {
    for (TxHandle t : store_->Get(b).txs) TxClear(t, kTxPrivate);
  }
  s.unpublished.clear();
  s.private_head = s.public_best;
  s.in_race = false;
}

void Node::PublishUpTo(std::uint32_t height, Outbox& out) {
  StrategyState& s = *strategy_;
  std::size_t count = 0;
  while (count < s.unpublished.size() && store_->Get(s.unpublished[count]).height <= height) ++count;
  if (count == 0) return;
  // PublishOwn reads the span while it may grow chain_.waiting, never s.unpublished: copy-free.
  PublishOwn({s.unpublished.data(), count}, out);
  const BlockHandle last = s.unpublished[count - 1];
  s.unpublished.erase(s.unpublished.begin(), s.unpublished.begin() + static_cast<std::ptrdiff_t>(count));
  // Published at the height of the best public block, it ties it: the network decides.
  const BlockHandle rival = s.public_best;
  if (rival != last && store_->Get(last).height == store_->Get(rival).height) {
    ++s.stats.races;
    s.in_race = true;
    out.Observe({Observation::Kind::kRaceStarted, last, rival});
  }
}

// ---- selfish mining: Eyal & Sirer 2014, Algorithm 1, with Nayak et al. 2016's variants ----

void Node::SelfishOnOwnBlock(BlockHandle h, Outbox& out) {
  StrategyState& s = *strategy_;
  const StrategyConfig& c = *s.config;
  for (TxHandle t : store_->Get(h).txs) TxSet(t, kTxPrivate);
  s.private_head = h;
  s.unpublished.push_back(h);
  const auto height = static_cast<std::int64_t>(store_->Get(h).height);
  const auto public_height = static_cast<std::int64_t>(store_->Get(s.public_best).height);
  const std::int64_t lead_before = height - 1 - public_height;
  if (lead_before == 0 && s.in_race && !c.equal_fork_stubborn) {
    // Found during a tie: publishing wins outright.
    PublishUpTo(static_cast<std::uint32_t>(height), out);
    ++s.stats.overrides;
    s.in_race = false;
    return;
  }
  if (lead_before < 0 && height == public_height) {
    // A trailing branch caught up (trail-stubborn): publish it and race.
    PublishUpTo(static_cast<std::uint32_t>(height), out);
    return;
  }
  ++s.stats.blocks_withheld;
}

void Node::SelfishOnPublicBlock(Outbox& out) {
  StrategyState& s = *strategy_;
  const StrategyConfig& c = *s.config;
  const auto public_height = store_->Get(s.public_best).height;
  const std::int64_t lead =
      static_cast<std::int64_t>(store_->Get(s.private_head).height) - public_height;
  if (lead < 0 || s.unpublished.empty()) {
    // Behind: adopt the public chain, unless trail-stubborn, on a branch of our own (published
    // or not) and not too far behind.
    const bool own_branch = !store_->IsAncestor(s.private_head, s.public_best);
    if (own_branch && lead < 0 && -lead <= static_cast<std::int64_t>(c.trail_stubborn)) return;
    AdoptPublic();
    return;
  }
  if (lead == 1 && !c.lead_stubborn) {
    // The honest chain came within one block: publish everything and take over.
    PublishUpTo(store_->Get(s.private_head).height, out);
    ++s.stats.overrides;
    s.in_race = false;
    return;
  }
  // Lead 0 (match the honest block and race), or a larger lead (reveal up to the honest height;
  // lead-stubborn always does this instead of overriding).
  PublishUpTo(public_height, out);
}

// ---- double spend ----

void Node::StartDoubleSpend() {
  StrategyState& s = *strategy_;
  AdoptPublic();
  s.fork = s.public_best;
  s.paid = !s.config->premine;
  if (s.paid) ++s.stats.attempts;
}

void Node::DoubleSpendOnChange(Outbox& out) {
  StrategyState& s = *strategy_;
  const StrategyConfig& c = *s.config;
  const auto fork_height = static_cast<std::int64_t>(store_->Get(s.fork).height);
  const std::int64_t honest = static_cast<std::int64_t>(store_->Get(s.public_best).height) - fork_height;
  const std::int64_t own = static_cast<std::int64_t>(store_->Get(s.private_head).height) - fork_height;
  if (!s.paid) {
    // Premining: an honest block first means starting again on top of it.
    if (honest > 0) StartDoubleSpend();
    return;
  }
  // The payment sits in the public chain's first block after the fork.
  const BlockHandle payment =
      honest > 0 ? store_->Ancestor(s.public_best, static_cast<std::uint32_t>(fork_height + 1))
                 : kNoBlock;
  if (honest >= static_cast<std::int64_t>(c.confirmations) && own > honest) {
    // The merchant has shipped and our chain is longer: publish it.
    PublishUpTo(store_->Get(s.private_head).height, out);
    ++s.stats.attempts_published;
    out.Observe({Observation::Kind::kAttemptEnded, payment, kNoBlock, 0, kNoTx, UINT32_MAX, 1});
    StartDoubleSpend();
    return;
  }
  if (honest - own >= static_cast<std::int64_t>(c.max_deficit)) {
    ++s.stats.attempts_abandoned;
    out.Observe({Observation::Kind::kAttemptEnded, payment, kNoBlock, 0, kNoTx, UINT32_MAX, 0});
    StartDoubleSpend();
  }
}

// ---- censor ----

bool Node::Offending(BlockHandle h) {
  std::vector<std::uint8_t>& seen = strategy_->offending;
  if (h >= seen.size()) seen.resize(std::max<std::size_t>(store_->size(), h + 1), 0);
  if (seen[h] == 0) {
    seen[h] = 1;
    for (TxHandle t : store_->Get(h).txs) {
      if (txs_->Get(t).tx_class == strategy_->config->censored_class) {
        seen[h] = 2;
        break;
      }
    }
  }
  return seen[h] == 2;
}

BlockHandle Node::CensorParent() {
  const std::uint32_t depth = strategy_->config->feather_depth;
  // The deepest ancestor of `x` (or x) with no offending block fewer than `depth` blocks under it.
  auto acceptable = [&](BlockHandle x) {
    while (true) {
      BlockHandle oldest_offending = kNoBlock;
      BlockHandle b = x;
      for (std::uint32_t d = 0; d < depth && b != kGenesis; ++d, b = store_->Get(b).parent) {
        if (Offending(b)) oldest_offending = b;
      }
      if (oldest_offending == kNoBlock) return x;
      x = store_->Get(oldest_offending).parent;
    }
  };
  BlockHandle parent = acceptable(chain_.tip);
  const BlockHandle fork = strategy_->fork_head;
  if (fork != kNoBlock && store_->Get(fork).chain_work > store_->Get(parent).chain_work &&
      acceptable(fork) == fork) {
    parent = fork;  // keep extending our own fork while it is the best acceptable branch
  }
  return parent;
}

// ---- black hole ----

bool Node::HoldsAnnouncement(Outbox& out) {
  StrategyState& s = *strategy_;
  const StrategyConfig& c = *s.config;
  if (c.blocks == RelayAction::kRelay || s.releasing) return false;
  if (chain_.tip != kGenesis && store_->Get(chain_.tip).miner == index_) return false;  // own blocks go out
  if (c.blocks == RelayAction::kDrop) {
    ++s.stats.blocks_not_relayed;
    return true;
  }
  ++s.stats.blocks_delayed;
  if (!s.announce_armed) {
    s.announce_armed = true;
    out.Arm(now_ + c.block_delay, Timer{Timer::Kind::kStrategyAnnounce, 0});
  }
  return true;
}

}  // namespace peerlab::bitcoin
