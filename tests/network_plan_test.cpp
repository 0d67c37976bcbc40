// The network plan (plan/network_plan.hpp): computed from plain input, its errors recorded
// rather than asserted, and the engine placing every node exactly where the plan says.
#include <gtest/gtest.h>

#include "peerlab/plan/network_plan.hpp"
#include "peerlab/bitcoin/sim/plan_input.hpp"
#include "peerlab/sim/regions.hpp"
#include "peerlab/bitcoin/sim/simulation.hpp"

namespace peerlab::plan {
namespace {

using Kind = SideSelector::Kind;

PlanInput Input(std::uint32_t nodes, std::uint64_t seed) {
  PlanInput in;
  in.seed = seed;
  in.nodes = nodes;
  in.region_shares = {0.5, 0.3, 0.2};
  in.groups = {{false, 10, 0.4}, {true, 0, 0.6}};
  in.autonomous_systems.count = 50;
  return in;
}

SideSelector Nodes(std::vector<std::uint32_t> v) { return {Kind::kNodes, 0, std::move(v), 0}; }
SideSelector Rest() { return {Kind::kRest, 0, {}, 0}; }

TEST(NetworkPlan, PlacesEveryNodeAndDealsGroupsBySize) {
  const NetworkPlan p = ComputePlan(Input(100, 4));
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.region.size(), 100u);
  ASSERT_EQ(p.as.size(), 100u);
  ASSERT_EQ(p.group.size(), 100u);
  std::uint32_t in_first = 0;
  for (std::uint32_t i = 0; i < 100; ++i) {
    EXPECT_LT(p.region[i], 3u);
    EXPECT_GE(p.as[i], 1u);
    EXPECT_LE(p.as[i], 50u);
    in_first += p.group[i] == 0;
  }
  EXPECT_EQ(in_first, 10u);
  // Same input, same plan; another seed, another placement.
  const NetworkPlan again = ComputePlan(Input(100, 4));
  EXPECT_EQ(again.region, p.region);
  EXPECT_EQ(again.as, p.as);
  EXPECT_EQ(again.group, p.group);
  EXPECT_NE(ComputePlan(Input(100, 5)).group, p.group);
}

TEST(NetworkPlan, GroupErrorsAreRecordedAndNoSidesResolved) {
  PlanInput in = Input(20, 1);
  in.groups = {{false, 15, 0.5}, {false, 10, 0.5}};
  in.partitions = {{0, {{Nodes({0})}, {Rest()}}}};
  NetworkPlan p = ComputePlan(in);
  ASSERT_FALSE(p.group_status.ok());
  EXPECT_EQ(p.group_status.message(), "groups: more nodes in groups than network.nodes");
  EXPECT_TRUE(p.group.empty());
  EXPECT_TRUE(p.partitions.empty());
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.region.size(), 20u);  // regions and ASes do not depend on groups

  in.groups = {{false, 5, 1.0}};
  p = ComputePlan(in);
  ASSERT_FALSE(p.group_status.ok());
  EXPECT_EQ(p.group_status.message(), "groups: some nodes belong to no group");
}

TEST(NetworkPlan, EachPartitionKeepsItsOwnErrorAndEventIndex) {
  PlanInput in = Input(30, 2);
  in.partitions = {
      {0, {{Nodes({1, 2})}, {Nodes({2})}}},           // node 2 on two sides
      {2, {{Nodes({3})}, {Rest()}}},                  // fine
      {4, {{Nodes({30})}, {Rest()}}},                 // no node 30
      {6, {{SideSelector{Kind::kAs, 0, {51}, 0}}, {Rest()}}},  // no AS 51
      {8, std::vector<PartitionSide>(17, PartitionSide{Rest()})},  // too many sides
  };
  const NetworkPlan p = ComputePlan(in);
  ASSERT_TRUE(p.group_status.ok());
  ASSERT_EQ(p.partitions.size(), 5u);
  EXPECT_FALSE(p.ok());

  ASSERT_TRUE(p.partitions[0].error.has_value());
  EXPECT_EQ(p.partitions[0].error->side, 1u);
  EXPECT_EQ(p.partitions[0].error->selector, 0u);
  EXPECT_EQ(p.partitions[0].error->message,
            "node 2 is on side 0 too (a node may be on one side only)");

  const PartitionPlan* fine = p.partition(2);
  ASSERT_NE(fine, nullptr);
  EXPECT_FALSE(fine->error.has_value());
  ASSERT_EQ(fine->side_of.size(), 30u);
  for (std::uint32_t i = 0; i < 30; ++i) EXPECT_EQ(fine->side_of[i], i == 3 ? 0 : 1) << i;
  EXPECT_EQ(p.partition(3), nullptr);

  ASSERT_TRUE(p.partition(4)->error.has_value());
  EXPECT_EQ(p.partition(4)->error->message, "no node 30 (there are 30)");
  ASSERT_TRUE(p.partition(6)->error.has_value());
  EXPECT_EQ(p.partition(6)->error->message, "no AS 51 (there are 50)");
  ASSERT_TRUE(p.partition(8)->error.has_value());
  EXPECT_EQ(p.partition(8)->error->side, SideError::kAll);
  EXPECT_EQ(p.partition(8)->error->message, "expected 2 to 16 sides");
}

TEST(NetworkPlan, HashrateSidesDrawFromTheEventsOwnStream) {
  // The same partition as event 0 and as event 1: the `hashrate` walk is seeded by the event
  // index, so the sides differ while each stays reproducible.
  PlanInput in = Input(200, 3);
  in.groups = {{false, 100, 1.0}, {true, 0, 0.0}};
  const PartitionSide half{SideSelector{Kind::kWeight, 0, {}, 0.5}};
  in.partitions = {{0, {half, {Rest()}}}, {1, {half, {Rest()}}}};
  const NetworkPlan p = ComputePlan(in);
  ASSERT_TRUE(p.ok());
  EXPECT_NE(p.partitions[0].side_of, p.partitions[1].side_of);
  const std::vector<double> share = NodeHashrates(in.groups, p.group);
  for (const PartitionPlan& part : p.partitions) {
    double side0 = 0;
    for (std::uint32_t i = 0; i < 200; ++i) side0 += part.side_of[i] == 0 ? share[i] : 0;
    EXPECT_NEAR(side0, 0.5, 0.011);  // at least the target, at most one node (0.01) more
    EXPECT_GE(side0, 0.5 - 1e-9);
  }
  EXPECT_EQ(ComputePlan(in).partitions[1].side_of, p.partitions[1].side_of);
}

TEST(NetworkPlan, EnginePlacesNodesWhereThePlanSays) {
  sim::SimConfig c;
  c.seed = 11;
  c.nodes = 150;
  c.regions = *sim::BuiltinRegionTable("simblock-2019");
  c.groups = {sim::GroupSpec::Fixed("pools", 30, 0.8), sim::GroupSpec::Rest("others", 0.2)};
  c.autonomous_systems.count = 40;
  c.autonomous_systems.zipf_exponent = 1.0;
  sim::NetworkEventSpec split;
  split.kind = sim::NetworkEventSpec::Kind::kPartition;
  split.at = 5 * kMinute;
  split.sides = {{SideSelector{Kind::kWeight, 0, {}, 0.4}, SideSelector{Kind::kAs, 0, {1, 2}, 0}},
                 {Rest()}};
  c.events = {split};
  c.stop.time = 5 * kMinute + kSecond;

  const NetworkPlan p = sim::PlanNetwork(c);
  ASSERT_TRUE(p.ok());
  auto built = sim::Simulation::Build(c);
  ASSERT_TRUE(built.ok()) << built.status().message();
  sim::Simulation& engine = **built;
  EXPECT_EQ(engine.node_group(), p.group);
  for (std::uint32_t i = 0; i < c.nodes; ++i) {
    EXPECT_EQ(engine.node_region(i), p.region[i]) << i;
    EXPECT_EQ(engine.node_as(i), p.as[i]) << i;
  }
  engine.Run();
  for (std::uint32_t i = 0; i < c.nodes; ++i) {
    EXPECT_EQ(engine.partition_side(i), p.partitions[0].side_of[i]) << i;
  }
}

}  // namespace
}  // namespace peerlab::plan
