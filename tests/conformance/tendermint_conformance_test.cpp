// Driver conformance for the Tendermint family: the same small scenarios on the fast engine's
// link model and, when built with it, on ns-3's TCP must show the same protocol behaviour:
// every height commits, silent proposers cost exactly the rounds proposer selection predicts,
// double signs are caught and committed as evidence, a partition of more than a third of the
// power stops commits until the heal, censoring proposers keep their class out, and a validator
// that restarts catches up. Timings differ between drivers (docs/ns3-validation.md); outcomes
// must not. 20 to 30 nodes, seconds per case.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "peerlab/sim/regions.hpp"
#include "peerlab/tendermint/sim/simulation.hpp"
#include "peerlab/tendermint/theory.hpp"
#ifdef PEERLAB_HAVE_NS3
#include "peerlab/ns3/ns3_transport.hpp"
#endif

namespace peerlab::tendermint {
namespace {

enum class Driver { kFast, kNs3 };

std::string DriverName(const ::testing::TestParamInfo<Driver>& info) {
  return info.param == Driver::kNs3 ? "ns3" : "fast";
}

// `validators` of equal power in groups: honest ones, then `byzantine` with `strategy`, then
// full nodes up to `nodes`.
SimSpec Spec(std::uint32_t nodes, std::uint32_t honest, std::uint32_t byzantine,
             const std::string& strategy, std::uint64_t seed = 5) {
  SimSpec spec;
  spec.seed = seed;
  spec.nodes = nodes;
  spec.regions = *sim::BuiltinRegionTable("simblock-2019");
  spec.topology.kind = sim::TopologyKind::kOutboundChoice;
  spec.topology.outbound = 4;
  spec.topology.restricted_outbound = 0;
  spec.topology.max_inbound = 40;
  const double total = honest + byzantine;
  spec.groups.push_back({"honest", false, honest, honest / total, ""});
  if (byzantine > 0) spec.groups.push_back({"byzantine", false, byzantine, byzantine / total, strategy});
  spec.groups.push_back({"full", true, 0, 0.0, ""});
  spec.stop_heights = 8;
  spec.stop_time = 20 * kMinute;
  spec.node.verify_time = 97 * kMicrosecond;
  spec.node.sign_time = 37 * kMicrosecond;
  return spec;
}

std::unique_ptr<Simulation> RunOn(const SimSpec& spec, Driver driver) {
  std::unique_ptr<sim::Transport> transport;
#ifdef PEERLAB_HAVE_NS3
  if (driver == Driver::kNs3) transport = ns3net::MakeNs3Transport(spec);
#endif
  EXPECT_EQ(driver == Driver::kNs3, transport != nullptr);
  auto built = Simulation::Build(spec, std::move(transport));
  if (!built.ok()) {
    ADD_FAILURE() << built.status().message();
    return nullptr;
  }
  const Status s = (*built)->Run();
  EXPECT_TRUE(s.ok()) << s.message() << " seed=" << spec.seed;
  return std::move(built).value();
}

class TendermintConformance : public ::testing::TestWithParam<Driver> {};

TEST_P(TendermintConformance, EveryHeightCommitsInRoundZeroAtEveryNode) {
  const auto sim = RunOn(Spec(20, 10, 0, ""), GetParam());
  ASSERT_NE(sim, nullptr);
  const RunReport& r = sim->report();
  EXPECT_EQ(r.heights_committed, 8);
  for (const HeightRow& h : r.heights) {
    EXPECT_EQ(h.round, 0) << "height " << h.height;
    EXPECT_EQ(h.committed_by, 20u) << "height " << h.height;
  }
  EXPECT_EQ(r.timeouts_propose, 0u);
}

TEST_P(TendermintConformance, SilentProposersCostTheRoundsProposerSelectionPredicts) {
  const auto sim = RunOn(Spec(24, 7, 3, "silent"), GetParam());
  ASSERT_NE(sim, nullptr);
  const RunReport& r = sim->report();
  const std::vector<int> predicted =
      RoundsWithSilentProposers(sim->genesis_validators(), sim->silent_validators(), 8);
  ASSERT_GE(r.heights.size(), 8u);
  int later = 0;
  for (std::size_t h = 0; h < 8; ++h) {
    EXPECT_EQ(r.heights[h].round + 1, predicted[h]) << "height " << h + 1;
    later += r.heights[h].round > 0;
  }
  EXPECT_GT(later, 0);  // the silent proposers were met
}

TEST_P(TendermintConformance, DoubleSignsAreCaughtAndCommittedAsEvidence) {
  const auto sim = RunOn(Spec(24, 7, 3, "equivocate"), GetParam());
  ASSERT_NE(sim, nullptr);
  const RunReport& r = sim->report();
  EXPECT_EQ(r.heights_committed, 8);
  EXPECT_GT(r.equivocations_detected, 0u);
  EXPECT_GT(r.equivocations_committed, 0u);
  EXPECT_TRUE(r.safety_violation.empty());
}

TEST_P(TendermintConformance, APartitionOfMoreThanAThirdStopsCommitsUntilTheHeal) {
  SimSpec spec = Spec(24, 6, 4, "");  // the second group: 40 % of the power, honest
  spec.groups[1].name = "south";
  sim::NetworkEventSpec split;
  split.kind = sim::NetworkEventSpec::Kind::kPartition;
  split.at = 20 * kSecond;
  split.mode = sim::PartitionMode::kDrop;
  split.sides = {{sim::SideSelector{sim::SideSelector::Kind::kGroup, 1, {}, 0}},
                 {sim::SideSelector{sim::SideSelector::Kind::kRest, 0, {}, 0}}};
  sim::NetworkEventSpec heal;
  heal.kind = sim::NetworkEventSpec::Kind::kHeal;
  heal.at = 80 * kSecond;
  spec.events = {split, heal};
  spec.stop_heights = 0;
  spec.stop_time = 140 * kSecond;
  const auto sim = RunOn(spec, GetParam());
  ASSERT_NE(sim, nullptr);
  const RunReport& r = sim->report();
  int before = 0, during = 0, after = 0;
  for (const HeightRow& h : r.heights) {
    // A height first committed in the partition would need +2/3 on one side: none holds it.
    if (h.first_commit_at < 20 * kSecond) {
      ++before;
    } else if (h.first_commit_at < 80 * kSecond) {
      ++during;
    } else {
      ++after;
    }
  }
  EXPECT_GT(before, 2);
  EXPECT_LE(during, 1);  // at most the height in flight at the cut, decided by what had arrived
  EXPECT_GT(after, 5);
  EXPECT_TRUE(r.safety_violation.empty());
}

TEST_P(TendermintConformance, CensoringProposersKeepTheirClassOut) {
  SimSpec spec = Spec(20, 0, 10, "censor");
  spec.groups.erase(spec.groups.begin());  // every validator censors
  spec.groups[0].power_share = 1.0;
  spec.groups[0].censored_class = 1;
  spec.tx_rate_per_s = 10;
  spec.tx_classes = {{"other", 0.5}, {"target", 0.5}};
  const auto sim = RunOn(spec, GetParam());
  ASSERT_NE(sim, nullptr);
  const RunReport& r = sim->report();
  ASSERT_EQ(r.tx_classes.size(), 2u);
  EXPECT_GT(r.tx_classes[0].included, 20u);
  EXPECT_GT(r.tx_classes[1].created, 20u);
  EXPECT_EQ(r.tx_classes[1].included, 0u);
}

TEST_P(TendermintConformance, ARestartedValidatorCatchesUp) {
  SimSpec spec = Spec(20, 10, 0, "");
  spec.stop_heights = 40;
  std::uint32_t down = 0;
  {
    auto probe = Simulation::Build(spec, nullptr);
    ASSERT_TRUE(probe.ok());
    while (!(*probe)->node(down).consensus().IsValidator()) ++down;
  }
  spec.outages.push_back({down, 15 * kSecond, 30 * kSecond});
  const auto sim = RunOn(spec, GetParam());
  ASSERT_NE(sim, nullptr);
  EXPECT_GE(sim->node(down).consensus().height(), 41);
  EXPECT_LT(sim->report().end_time, spec.stop_time.value());
}

const Driver kDrivers[] = {Driver::kFast,
#ifdef PEERLAB_HAVE_NS3
                           Driver::kNs3
#endif
};

INSTANTIATE_TEST_SUITE_P(Drivers, TendermintConformance, ::testing::ValuesIn(kDrivers), DriverName);

}  // namespace
}  // namespace peerlab::tendermint
