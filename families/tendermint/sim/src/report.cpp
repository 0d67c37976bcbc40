#include "peerlab/tendermint/sim/report.hpp"

#include <algorithm>
#include <cmath>

#include "peerlab/util/assert.hpp"

namespace peerlab::tendermint {

void MetricsCollector::Reset(std::vector<bool> counted) {
  *this = MetricsCollector{};
  counted_ = std::move(counted);
  counted_count_ = static_cast<std::uint32_t>(std::count(counted_.begin(), counted_.end(), true));
}

void MetricsCollector::Proposed(TimeNs at, const observe::Proposed& p, ValidatorIndex proposer) {
  proposals_.emplace(p.block_id, ProposalInfo{at, proposer});
  block_bytes_.emplace(p.block_id, p.bytes);
}

void MetricsCollector::Committed(TimeNs at, std::uint32_t node, const observe::Committed& c) {
  if (heights_.size() < static_cast<std::size_t>(c.height)) heights_.resize(static_cast<std::size_t>(c.height));
  HeightInfo& h = heights_[static_cast<std::size_t>(c.height - 1)];
  if (h.round < 0) {
    h.round = c.round;
    h.block_id = c.block_id;
    h.txs = c.txs;
    h.evidence = c.evidence;
  }
  if (node < counted_.size() && counted_[node]) h.commit_times.push_back(at);
}

void MetricsCollector::Timeout(const observe::TimeoutFired& t) {
  switch (t.step) {
    case TimeoutStep::kPropose: ++timeouts_[0]; break;
    case TimeoutStep::kPrevote: ++timeouts_[1]; break;
    case TimeoutStep::kPrecommit: ++timeouts_[2]; break;
    default: break;
  }
}

void MetricsCollector::Equivocation(TimeNs at, bool honest_validator,
                                    const observe::EquivocationSeen& e) {
  TimeNs& seen = equivocations_.try_emplace({e.height, e.validator}, -1).first->second;
  if (honest_validator && seen < 0) seen = at;
}

void MetricsCollector::CommittedEvidence(Height in, Height height, ValidatorIndex validator) {
  committed_evidence_.try_emplace({height, validator}, in);
}

void MetricsCollector::TxClasses(std::vector<std::string> names) {
  tx_class_names_ = std::move(names);
}

void MetricsCollector::TxCreated(TxId id, TimeNs at, std::uint16_t tx_class) {
  PEERLAB_ASSERT(id == txs_.size() + 1 && tx_class < tx_class_names_.size());
  txs_.push_back({at, tx_class});
}

void MetricsCollector::HeightFirstCommitted(Height height, TimeNs at, const std::vector<TxId>& txs) {
  PEERLAB_ASSERT(height == static_cast<Height>(first_commit_at_.size()) + 1);
  first_commit_at_.push_back(at);
  for (TxId id : txs) {
    if (id < 1 || id > txs_.size()) continue;
    TxInfo& tx = txs_[id - 1];
    if (tx.included_height != 0) continue;  // only its first inclusion counts
    tx.included_height = height;
    tx.included_at = at;
  }
}

void MetricsCollector::FinishTransactions(RunReport& r) const {
  r.tx_workload = !tx_class_names_.empty();
  const std::size_t classes = tx_class_names_.size();
  std::vector<std::vector<double>> delay_s(classes), delay_heights(classes);
  r.tx_classes.resize(classes);
  for (std::size_t k = 0; k < classes; ++k) r.tx_classes[k].name = tx_class_names_[k];
  for (const TxInfo& tx : txs_) {
    TxClassReport& cr = r.tx_classes[tx.tx_class];
    ++cr.created;
    if (tx.included_height == 0) continue;
    ++cr.included;
    delay_s[tx.tx_class].push_back(static_cast<double>(tx.included_at - tx.created_at) / 1e9);
    // Heights already committed when the transaction was created do not count.
    const auto before = std::upper_bound(first_commit_at_.begin(), first_commit_at_.end(),
                                         tx.created_at) - first_commit_at_.begin();
    delay_heights[tx.tx_class].push_back(static_cast<double>(tx.included_height - before));
  }
  for (std::size_t k = 0; k < classes; ++k) {
    TxClassReport& cr = r.tx_classes[k];
    if (cr.created > 0) cr.included_share = static_cast<double>(cr.included) / static_cast<double>(cr.created);
    cr.inclusion_delay_s = sim::Summarize(std::move(delay_s[k]));
    cr.inclusion_delay_heights = sim::Summarize(std::move(delay_heights[k]));
  }
}

namespace {

std::optional<double> MedianSeconds(std::vector<DurationNs> v) {
  v.erase(std::remove(v.begin(), v.end(), DurationNs{-1}), v.end());
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  const double mid = n % 2 == 1 ? static_cast<double>(v[n / 2])
                                : 0.5 * (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2]));
  return mid / 1e9;
}

}  // namespace

RunReport MetricsCollector::Finish(TimeNs end, std::uint64_t events) const {
  RunReport r;
  r.end_time = end;
  r.events = events;
  r.counted_nodes = counted_count_;
  std::vector<DurationNs> l50, l90, l99;
  double round_sum = 0;
  for (std::size_t i = 0; i < heights_.size(); ++i) {
    const HeightInfo& h = heights_[i];
    HeightRow row;
    row.height = static_cast<Height>(i + 1);
    row.round = h.round;
    row.txs = h.txs;
    row.evidence = h.evidence;
    row.committed_by = static_cast<std::uint32_t>(h.commit_times.size());
    if (auto p = proposals_.find(h.block_id); p != proposals_.end()) {
      row.proposer = p->second.proposer;
      row.proposed_at = p->second.at;
    }
    if (auto b = block_bytes_.find(h.block_id); b != block_bytes_.end()) row.bytes = b->second;
    std::vector<TimeNs> times = h.commit_times;
    std::sort(times.begin(), times.end());
    if (!times.empty()) row.first_commit_at = times.front();
    auto reach = [&](double share) -> DurationNs {
      const auto need = static_cast<std::size_t>(std::ceil(share * counted_count_ - 1e-9));
      if (need == 0 || times.size() < need || row.proposed_at < 0) return -1;
      return times[need - 1] - row.proposed_at;
    };
    row.to_50 = reach(0.5);
    row.to_90 = reach(0.9);
    row.to_99 = reach(0.99);
    row.to_all = reach(1.0);
    l50.push_back(row.to_50);
    l90.push_back(row.to_90);
    l99.push_back(row.to_99);
    if (row.committed_by == counted_count_ && counted_count_ > 0) r.heights_committed = row.height;
    r.max_height_committed = row.height;
    round_sum += h.round;
    r.rounds_max = std::max(r.rounds_max, h.round);
    r.heights.push_back(row);
  }
  if (!heights_.empty()) r.rounds_mean = round_sum / static_cast<double>(heights_.size()) + 1.0;
  if (!heights_.empty()) r.rounds_max += 1;  // rounds used, counting round 0
  r.latency_p50_s = MedianSeconds(l50);
  r.latency_p90_s = MedianSeconds(l90);
  r.latency_p99_s = MedianSeconds(l99);
  r.timeouts_propose = timeouts_[0];
  r.timeouts_prevote = timeouts_[1];
  r.timeouts_precommit = timeouts_[2];
  r.equivocations_detected = equivocations_.size();
  r.equivocations_committed = committed_evidence_.size();
  for (const auto& [key, seen_at] : equivocations_) {
    const auto committed = committed_evidence_.find(key);
    r.equivocations.push_back({key.first, key.second, seen_at,
                               committed == committed_evidence_.end() ? 0 : committed->second});
  }
  r.messages = messages_;
  r.message_bytes = message_bytes_;
  r.batches = batches_;
  r.wire_bytes = wire_bytes_;
  const double nh = static_cast<double>(std::max<std::uint32_t>(1, counted_count_)) *
                    static_cast<double>(std::max<std::size_t>(1, heights_.size()));
  r.messages_per_node_height = static_cast<double>(messages_) / nh;
  r.bytes_per_node_height = static_cast<double>(wire_bytes_) / nh;
  FinishTransactions(r);
  return r;
}

}  // namespace peerlab::tendermint
