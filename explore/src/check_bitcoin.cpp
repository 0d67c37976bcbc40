// The Bitcoin family's invariants, checked at checkpoints during a run and at its
// end (check.hpp; docs/testing.md).
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "peerlab/bitcoin/sim/simulation.hpp"
#include "peerlab/explore/check.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/util/assert.hpp"
#include "peerlab/util/hash.hpp"

namespace peerlab::explore {
namespace {

using bitcoin::BlockHandle;

// A run's checkpoints stop here (a run whose end keeps moving would otherwise never finish).
constexpr std::uint64_t kMaxCheckpoints = 100'000;

Verdict Fail(Verdict v, std::string invariant, std::string detail) {
  v.ok = false;
  v.invariant = std::move(invariant);
  v.detail = std::move(detail);
  return v;
}

std::string At(const sim::Simulation& s) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), " (at %.3f s)", static_cast<double>(s.now()) / 1e9);
  return buf;
}

struct Broken {
  std::string invariant, detail;
};

// The invariants on each node's state, at any moment (a checkpoint or the end): every block a
// node holds connects to genesis through blocks it holds; its mempool stays under its cap; an
// honest node's tip is a block it holds with the most work of those it holds (first seen wins
// ties; strategies keep private branches by design).
std::optional<Broken> CheckNodeStates(const sim::Simulation& s, const sim::SimConfig& config) {
  const bitcoin::BlockStore& store = s.store();
  const auto blocks = static_cast<BlockHandle>(store.size());
  for (std::uint32_t i = 0; i < s.node_count(); ++i) {
    const bitcoin::Node& node = s.node(i);
    for (BlockHandle b = 1; b < blocks; ++b) {
      if (node.HasBlock(b) && !node.HasBlock(store.Get(b).parent)) {
        return Broken{"chain-complete", "node " + std::to_string(i) + " holds block " +
                                            std::to_string(b) + " but not its parent " +
                                            std::to_string(store.Get(b).parent) + At(s)};
      }
    }
    if (node.mempool_bytes() > config.node.mempool_max_bytes) {
      return Broken{"mempool-bound", "node " + std::to_string(i) + " holds " +
                                         std::to_string(node.mempool_bytes()) +
                                         " bytes of transactions, above its cap" + At(s)};
    }
    if (!config.groups[s.node_group()[i]].honest()) continue;
    if (!node.HasBlock(node.tip())) {
      return Broken{"tip-work",
                    "node " + std::to_string(i) + "'s tip is not a block it holds" + At(s)};
    }
    const std::uint64_t tip_work = store.Get(node.tip()).chain_work;
    for (BlockHandle b = 1; b < blocks; ++b) {
      if (node.HasBlock(b) && store.Get(b).chain_work > tip_work) {
        return Broken{"tip-work", "node " + std::to_string(i) + " holds block " +
                                      std::to_string(b) + " (height " +
                                      std::to_string(store.Get(b).height) +
                                      ") with more work than its tip " +
                                      std::to_string(node.tip()) + " (height " +
                                      std::to_string(store.Get(node.tip()).height) + ")" + At(s)};
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Verdict CheckBitcoin(const std::string& yaml, DurationNs faults_end, const CheckOptions& options) {
  Verdict v;
  PEERLAB_ASSERT(!options.assert_for_tests);
  auto scenario = scenario::ParseScenario(yaml, "explore.yaml", "", {});
  if (!scenario.ok()) return Fail(v, "valid-scenario", scenario.status().message());
  sim::SimConfig config = scenario->sim;
  config.threads = 1;  // one run per child process; the campaign runs several at once
  config.node.planted_never_reorganise = options.plant_never_reorganise;
  auto built = sim::Simulation::Build(config);
  if (!built.ok()) return Fail(v, "valid-scenario", built.status().message());
  sim::Simulation& s = **built;
  // The state invariants at checkpoints every half block interval, then at the end.
  const DurationNs every = std::max<DurationNs>(config.block_interval / 2, kSecond);
  for (TimeNs at = every; at < s.engine().end_at() && v.checkpoints < kMaxCheckpoints;
       at += every) {
    s.RunEventsUntil(at);
    if (s.engine().end_at() < at) break;  // it ended in this stretch: the end's checks follow
    if (auto broken = CheckNodeStates(s, config)) {
      v.sim_time_s = static_cast<double>(s.now()) / 1e9;
      v.events = s.events_processed();
      return Fail(v, broken->invariant, broken->detail + ", at a checkpoint");
    }
    ++v.checkpoints;
  }
  s.Run();

  const bitcoin::BlockStore& store = s.store();
  const std::uint32_t n = s.node_count();
  const auto blocks = static_cast<BlockHandle>(store.size());
  v.sim_time_s = static_cast<double>(s.now()) / 1e9;
  v.events = s.events_processed();
  const auto faults = s.engine().ReportMessageFaults();
  if (faults) v.faults_injected = faults->dropped + faults->duplicated + faults->delayed;
  v.faults_injected += config.events.size() / 2;

  std::string state = std::to_string(v.events) + "/" + std::to_string(s.now()) + "/" +
                      std::to_string(blocks);
  auto honest = [&](std::uint32_t i) { return config.groups[s.node_group()[i]].honest(); };
  for (std::uint32_t i = 0; i < n; ++i) {
    const bitcoin::Node& node = s.node(i);
    state += "/" + std::to_string(node.tip()) + ":" + std::to_string(node.mempool_count());
  }
  if (auto broken = CheckNodeStates(s, config)) return Fail(v, broken->invariant, broken->detail);


  // After the last fault, a block that an honest node holds: every honest node online at the
  // end that never churned has a tip of the same, greatest work by the run's end (its drain
  // bounds how long that may take).
  auto eligible = [&](std::uint32_t i) {
    return honest(i) && s.IsOnline(i) && !s.engine().Churns(i);
  };
  bool applies = false;
  std::uint64_t best = 0;
  std::uint32_t best_node = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!eligible(i)) continue;
    const std::uint64_t work = store.Get(s.node(i).tip()).chain_work;
    if (work > best) best = work, best_node = i;
    for (BlockHandle b = 1; b < blocks && !applies; ++b) {
      applies = store.Get(b).found_at > faults_end && s.node(i).HasBlock(b);
    }
  }
  v.recovery_checked = applies;
  if (v.recovery_checked) {
    for (std::uint32_t i = 0; i < n; ++i) {
      if (!eligible(i) || store.Get(s.node(i).tip()).chain_work == best) continue;
      return Fail(v, "convergence",
                  "node " + std::to_string(i) + "'s tip (height " +
                      std::to_string(store.Get(s.node(i).tip()).height) +
                      ") has less work than node " + std::to_string(best_node) + "'s (height " +
                      std::to_string(store.Get(s.node(best_node).tip()).height) +
                      ") at the end, after the last fault ended at " +
                      std::to_string(static_cast<double>(faults_end) / 1e9) + " s" + At(s));
    }
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(state.data());
  v.digest = Sha256({bytes, state.size()}).ToDigestHex().substr(0, 32);
  return v;
}

}  // namespace peerlab::explore
