// PrivateBranch (private_branch.hpp).
#include "private_branch.hpp"

#include "peerlab/bitcoin/node.hpp"

namespace peerlab::bitcoin::strategies {

using detail::kTxPrivate;

void PrivateBranch::Start(Node& node) {
  StrategyHooks::Start(node);
  private_head_ = tip(node);
}

void PrivateBranch::Extend(Node& node, BlockHandle h) {
  for (TxHandle t : store(node).Get(h).txs) TxSet(node, t, kTxPrivate);
  private_head_ = h;
  unpublished_.push_back(h);
}

void PrivateBranch::AdoptPublic(Node& node) {
  for (BlockHandle b : unpublished_) {
    for (TxHandle t : store(node).Get(b).txs) TxClear(node, t, kTxPrivate);
  }
  unpublished_.clear();
  private_head_ = public_best;
  in_race_ = false;
}

void PrivateBranch::PublishUpTo(Node& node, std::uint32_t height, Outbox& out) {
  const BlockStore& s = store(node);
  std::size_t count = 0;
  while (count < unpublished_.size() && s.Get(unpublished_[count]).height <= height) ++count;
  if (count == 0) return;
  // PublishOwn reads the span while it may grow the node's waiting list, never unpublished_:
  // copy-free.
  PublishOwn(node, {unpublished_.data(), count}, out);
  const BlockHandle last = unpublished_[count - 1];
  unpublished_.erase(unpublished_.begin(), unpublished_.begin() + static_cast<std::ptrdiff_t>(count));
  // Published at the height of the best public block, it ties it: the network decides.
  const BlockHandle rival = public_best;
  if (rival != last && s.Get(last).height == s.Get(rival).height) {
    ++stats.races;
    in_race_ = true;
    out.Observe({Observation::Kind::kRaceStarted, last, rival});
  }
}

}  // namespace peerlab::bitcoin::strategies
