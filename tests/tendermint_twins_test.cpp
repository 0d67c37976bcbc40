// Twins (strategy `twins`, Bano et al., OPODIS 2021): a group whose nodes run the protocol as
// written with the validator keys of another group. What the scenario refuses, and what the
// pairs do under a partition that splits them: below a third of the power agreement holds and
// their double signs are committed as evidence; at 0.4 two sides commit different blocks.
#include <gtest/gtest.h>

#include <string>

#include "peerlab/scenario/scenario.hpp"
#include "peerlab/tendermint/sim/simulation.hpp"

namespace peerlab::tendermint {
namespace {

const std::string kShipped = std::string(PEERLAB_SOURCE_DIR) + "/scenarios/tendermint-twins.yaml";

Result<scenario::Scenario> Parse(std::vector<std::string> overrides = {}) {
  return scenario::LoadScenario(kShipped, overrides);
}

std::string ErrorOf(std::vector<std::string> overrides) {
  auto s = Parse(std::move(overrides));
  return s.ok() ? "(parsed)" : s.status().message();
}

TEST(Twins, EachBadGroupIsOneLocatedError) {
  ASSERT_TRUE(Parse().ok()) << Parse().status().message();
  const auto expect = [](std::vector<std::string> overrides, const std::string& message) {
    const std::string e = ErrorOf(overrides);
    EXPECT_NE(e.find(message), std::string::npos) << e;
    // Located: FILE:LINE:COL, or the --set that gave the value.
    EXPECT_TRUE(e.rfind(kShipped + ":", 0) == 0 || e.rfind("--set ", 0) == 0) << e;
  };
  expect({"groups.twins.strategy={kind: twins}"},
         "groups.twins.strategy.of: twins need `of`: the group whose validator keys they sign with");
  expect({"groups.twins.strategy.of=nobody"}, "groups.twins.strategy.of: names no other group: `nobody`");
  expect({"groups.twins.strategy.of=twins"}, "names no other group: `twins`");
  expect({"groups.twins.nodes=3", "network.nodes=13"}, "groups.twins.nodes: twins need as many nodes as group `byzantine`");
  expect({"groups.twins.voting_power=0.1", "groups.right.voting_power=0.35"},
         "groups.twins.voting_power: must be 0 for twins");
  expect({"groups.byzantine.strategy={kind: silent}"},
         "group `byzantine` must be validators without a strategy");
  expect({"groups.more={nodes: 4, voting_power: 0, strategy: {kind: twins, of: byzantine}}",
          "network.nodes=18"},
         "group `byzantine` already has twins");
}

struct Outcome {
  Status status;
  RunReport report;
  std::vector<bool> honest;
};

Outcome RunShipped(std::vector<std::string> overrides) {
  auto parsed = Parse(std::move(overrides));
  EXPECT_TRUE(parsed.ok()) << parsed.status().message();
  auto built = Simulation::Build(parsed->tendermint, nullptr);
  EXPECT_TRUE(built.ok()) << built.status().message();
  Outcome o;
  o.status = (*built)->Run();
  o.report = (*built)->report();
  for (std::uint32_t i = 0; i < (*built)->node_count(); ++i) o.honest.push_back((*built)->Honest(i));
  return o;
}

TEST(Twins, BelowAThirdAgreementHoldsAndTheirDoubleSignsAreCommitted) {
  const Outcome o = RunShipped({});
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  EXPECT_TRUE(o.report.safety_violation.empty());
  // The 4 originals and their 4 twins are byzantine; the 6 others honest.
  EXPECT_EQ(std::count(o.honest.begin(), o.honest.end(), true), 6);
  // Split pairs sign two values: honest validators see it and commit the evidence.
  EXPECT_GT(o.report.equivocations_detected, 0u);
  // Pairs on one side may sign apart too (one times out, the other saw the proposal); split,
  // they do, and honest validators see both votes once the partition heals at 90 s.
  bool while_split = false;
  for (const EquivocationRow& e : o.report.equivocations) {
    while_split = while_split || e.seen_by_honest_validator_at >= 90 * kSecond;
    // Committed, but for double signs of the last heights, seen just before the run's end.
    if (e.height + 3 > static_cast<Height>(o.report.heights_committed)) continue;
    EXPECT_GT(e.evidence_in, 0) << "height " << e.height << ", validator " << e.validator;
  }
  EXPECT_TRUE(while_split);
  // Each side holds the keys of its nodes: left + byzantine, and right + the twins' keys.
  ASSERT_EQ(o.report.partitions.size(), 1u);
  ASSERT_EQ(o.report.partitions[0].sides.size(), 2u);
  EXPECT_NEAR(o.report.partitions[0].sides[0].voting_power, 0.55, 1e-9);
  EXPECT_NEAR(o.report.partitions[0].sides[1].voting_power, 0.70, 1e-9);
  EXPECT_GT(o.report.partitions[0].heights_during, 0u);  // the side above 2/3 commits
}

TEST(Twins, AtAThirdOrMoreTwoSidesCommitDifferentBlocks) {
  const Outcome o = RunShipped({"groups.byzantine.voting_power=0.4", "groups.right.voting_power=0.3"});
  EXPECT_FALSE(o.status.ok());
  EXPECT_NE(o.report.safety_violation.find("agreement violated: seed=1 height="), std::string::npos)
      << o.report.safety_violation;
  // Without the partition the pairs sign alike and nothing breaks.
  const Outcome whole = RunShipped({"groups.byzantine.voting_power=0.4",
                                    "groups.right.voting_power=0.3", "events=[]"});
  EXPECT_TRUE(whole.status.ok()) << whole.status.message();
}

}  // namespace
}  // namespace peerlab::tendermint
