// Simulation: strategy groups. Sets up their nodes and rushing links, follows what their
// nodes report (races, double-spend attempts, censored transactions) and sums it up per group
// for summary.json's `adversaries.<group>`.
#include <algorithm>
#include <cmath>

#include "peerlab/bitcoin/sim/simulation.hpp"
#include "peerlab/bitcoin/rng_purposes.hpp"

namespace peerlab::sim {
namespace {

// Races stay open for about one block interval; only the most recent ones are checked.
constexpr std::size_t kOpenRaces = 8;
constexpr std::size_t kMaxRacesKept = 64;

}  // namespace

void Simulation::SetUpStrategies() {
  const auto groups = static_cast<std::uint32_t>(config_.groups.size());
  rushing_links_.assign(groups, 0);
  rushing_share_.assign(groups, 0);
  race_on_attacker_.assign(groups, 0);
  race_on_rival_.assign(groups, 0);
  bool any_censor = false;
  for (std::uint32_t g = 0; g < groups; ++g) {
    const GroupSpec& spec = config_.groups[g];
    if (spec.honest()) continue;
    for (std::uint32_t node : group_nodes_[g]) nodes_[node].SetStrategy(spec.strategy);
    if (spec.rushing.honest_share > 0) AddRushingLinks(g);
    any_censor = any_censor || spec.strategy.kind == bitcoin::StrategyKind::kCensor;
  }
  if (any_censor) censor_reach_.resize(groups);
}

void Simulation::AddRushingLinks(std::uint32_t group) {
  // Honest miners in a seeded random order, taken until they hold the configured share of
  // honest hashrate.
  std::vector<std::uint32_t> miners;
  double honest_total = 0;
  for (std::uint32_t g = 0; g < config_.groups.size(); ++g) {
    if (!config_.groups[g].honest() || config_.groups[g].hashrate <= 0) continue;
    honest_total += config_.groups[g].hashrate;
    miners.insert(miners.end(), group_nodes_[g].begin(), group_nodes_[g].end());
  }
  if (miners.empty()) return;
  std::sort(miners.begin(), miners.end());
  Rng rng(config_.seed, group, bitcoin::rng_purpose::kRushingLinks);
  for (std::size_t i = miners.size() - 1; i > 0; --i) std::swap(miners[i], miners[rng.Below(i + 1)]);
  const double target = config_.groups[group].rushing.honest_share;
  double reached = 0;
  std::size_t taken = 0;
  while (taken < miners.size() && reached < target - 1e-12) {
    const std::uint32_t m = miners[taken++];
    const GroupSpec& g = config_.groups[node_group_[m]];
    reached += g.hashrate / static_cast<double>(group_nodes_[node_group_[m]].size()) / honest_total;
  }
  for (std::uint32_t attacker : group_nodes_[group]) {
    for (std::size_t i = 0; i < taken; ++i) {
      engine_->AddEdge({attacker, miners[i], 0, true},
                       DedicatedPipe{config_.groups[group].rushing.latency,
                                     config_.groups[group].rushing.bandwidth_bps});
    }
  }
  rushing_links_[group] = static_cast<std::uint32_t>(taken * group_nodes_[group].size());
  rushing_share_[group] = reached;
}

void Simulation::ObserveStrategy(TimeNs at, std::uint32_t node, const bitcoin::Observation& o) {
  using Kind = bitcoin::Observation::Kind;
  const std::uint32_t group = node_group_[node];
  switch (o.kind) {
    case Kind::kRaceStarted:
      if (races_.size() >= kMaxRacesKept) races_.erase(races_.begin(), races_.begin() + kMaxRacesKept / 2);
      races_.push_back({group, o.block, o.previous});
      break;
    case Kind::kBlockMined: {
      // An honest block on one side of a race: where honest hashrate went (gamma).
      if (!config_.groups[group].honest()) break;
      const bitcoin::BlockHandle parent = store_.Get(o.block).parent;
      const std::size_t first = races_.size() > kOpenRaces ? races_.size() - kOpenRaces : 0;
      for (std::size_t i = races_.size(); i-- > first;) {
        if (parent == races_[i].ours) {
          ++race_on_attacker_[races_[i].group];
          break;
        }
        if (parent == races_[i].rival) {
          ++race_on_rival_[races_[i].group];
          break;
        }
      }
      break;
    }
    case Kind::kAttemptEnded:
      attempts_.push_back({group, o.block, o.score == 1});
      break;
    case Kind::kTxAccepted: {
      if (config_.groups[group].strategy.kind != bitcoin::StrategyKind::kCensor) break;
      CensorReach& reach = censor_reach_[group];
      if (reach.nodes_with_tx.size() <= o.tx) {
        reach.nodes_with_tx.resize(tx_store_.size(), 0);
        reach.reached_all_at.resize(tx_store_.size(), -1);
      }
      if (++reach.nodes_with_tx[o.tx] == group_nodes_[group].size()) reach.reached_all_at[o.tx] = at;
      break;
    }
    default:
      break;
  }
}

void Simulation::ReportAdversaries(SimReport& r, const std::vector<bool>& on_main,
                                   bitcoin::BlockHandle main_tip) const {
  // Main-chain blocks by height (for censored transactions' delays).
  std::vector<TimeNs> main_found_at;
  std::vector<bitcoin::BlockHandle> included_in;
  if (!censor_reach_.empty()) {
    included_in.assign(tx_store_.size(), bitcoin::kNoBlock);
    for (std::uint32_t height = 1; height <= r.main_tip_height; ++height) {
      const bitcoin::BlockHandle b = store_.Ancestor(main_tip, height);
      main_found_at.push_back(store_.Get(b).found_at);
      for (bitcoin::TxHandle t : store_.Get(b).txs) included_in[t] = b;
    }
  }
  for (std::uint32_t g = 0; g < config_.groups.size(); ++g) {
    const GroupSpec& spec = config_.groups[g];
    if (spec.honest()) continue;
    AdversaryReport a;
    a.kind = spec.strategy_name;
    for (const BlockRow& b : r.blocks) {
      if (b.main_chain) continue;
      ++(b.miner_group == g ? a.own_blocks_orphaned : a.blocks_orphaned);
    }
    bitcoin::StrategyStats sum;
    for (std::uint32_t node : group_nodes_[g]) {
      const bitcoin::StrategyStats& s = *nodes_[node].strategy_stats();
      sum.blocks_withheld += s.blocks_withheld;
      sum.races += s.races;
      sum.overrides += s.overrides;
      sum.fork_blocks += s.fork_blocks;
      sum.blocks_not_relayed += s.blocks_not_relayed;
      sum.blocks_delayed += s.blocks_delayed;
      sum.txs_not_relayed += s.txs_not_relayed;
    }
    a.blocks_withheld = sum.blocks_withheld;
    a.races = sum.races;
    a.overrides = sum.overrides;
    a.fork_blocks = sum.fork_blocks;
    a.blocks_not_relayed = sum.blocks_not_relayed;
    a.blocks_delayed = sum.blocks_delayed;
    a.txs_not_relayed = sum.txs_not_relayed;
    a.race_blocks_on_attacker = race_on_attacker_[g];
    a.race_blocks_on_rival = race_on_rival_[g];
    if (const std::uint32_t n = a.race_blocks_on_attacker + a.race_blocks_on_rival; n > 0) {
      a.observed_gamma = static_cast<double>(a.race_blocks_on_attacker) / n;
    }
    a.rushing_links = rushing_links_[g];
    if (spec.rushing.honest_share > 0) a.rushing_honest_share = rushing_share_[g];
    for (const Attempt& at : attempts_) {
      if (at.group != g) continue;
      ++a.attempts;
      if (!at.published) continue;
      ++a.published;
      if (at.payment != bitcoin::kNoBlock && !on_main[at.payment]) ++a.successes;
    }
    if (a.attempts > 0) a.success_rate = static_cast<double>(a.successes) / a.attempts;
    if (spec.strategy.kind == bitcoin::StrategyKind::kCensor) {
      const CensorReach& reach = censor_reach_[g];
      std::vector<double> delay_blocks, delay_s;
      std::uint32_t eligible = 0, never = 0;
      const TimeNs last_main = main_found_at.empty() ? -1 : main_found_at.back();
      for (bitcoin::TxHandle t = 0; t < reach.reached_all_at.size(); ++t) {
        const TimeNs reached = reach.reached_all_at[t];
        if (reached < 0 || tx_store_.Get(t).tx_class != spec.strategy.censored_class) continue;
        ++a.censored_txs;
        if (included_in[t] == bitcoin::kNoBlock) {
          // Never included, though at least one main-chain block came after it reached them.
          if (reached < last_main) {
            ++eligible;
            ++never;
          }
          continue;
        }
        if (reached < last_main) ++eligible;
        const auto& block = store_.Get(included_in[t]);
        // Main-chain blocks mined after it reached the censors, up to the one holding it.
        const auto before = static_cast<std::uint32_t>(
            std::upper_bound(main_found_at.begin(), main_found_at.end(), reached) -
            main_found_at.begin());
        delay_blocks.push_back(block.height > before ? static_cast<double>(block.height - before) : 0.0);
        delay_s.push_back(block.found_at > reached ? ToSeconds(block.found_at - reached) : 0.0);
      }
      a.censored_tx_delay_blocks = Summarize(std::move(delay_blocks));
      a.censored_tx_delay_s = Summarize(std::move(delay_s));
      if (eligible > 0) a.never_included_share = static_cast<double>(never) / eligible;
    }
    if (spec.strategy.kind == bitcoin::StrategyKind::kEclipse) ReportEclipse(g, a);
    r.groups[g].adversary = std::move(a);
  }
}

}  // namespace peerlab::sim
