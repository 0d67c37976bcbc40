// Scenario `events` (partitions and heals), `network.autonomous_systems`, and `--set` on list
// items. Error lines are compared in full: they are the user interface of a scenario file.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "peerlab/scenario/scenario.hpp"

namespace peerlab::scenario {
namespace {

// A valid scenario with a partition and its heal; tests change one line at a time. Line
// numbers matter for golden errors.
constexpr const char* kBase =
    "version: 1\n"                                                                     // 1
    "name: test\n"                                                                     // 2
    "stop:\n"                                                                          // 3
    "  blocks: 20\n"                                                                   // 4
    "network:\n"                                                                       // 5
    "  nodes: 200\n"                                                                   // 6
    "groups:\n"                                                                        // 7
    "  pools: { nodes: 20, hashrate: 1.0 }\n"                                          // 8
    "  others: { nodes: rest, hashrate: 0 }\n"                                         // 9
    "events:\n"                                                                        // 10
    "  - { at: 2 h, kind: partition, sides: [[region: north-america], [rest]] }\n"     // 11
    "  - { at: 4 h, kind: heal }\n";                                                   // 12

std::string With(const std::string& from, const std::string& to) {
  std::string text = kBase;
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

// kBase with line 11's sides replaced.
std::string WithSides(const std::string& sides) {
  return With("[[region: north-america], [rest]]", sides);
}

Result<Scenario> Parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return ParseScenario(text, "s.yaml", "", overrides);
}

std::string Error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  auto r = Parse(text, overrides);
  return r.ok() ? "OK" : r.status().message();
}

using sim::NetworkEventSpec;
using sim::SideSelector;

TEST(ScenarioEvents, PartitionAndHealAreRead) {
  auto r = Parse(kBase);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& events = r->sim.events;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, NetworkEventSpec::Kind::kPartition);
  EXPECT_EQ(events[0].at, 2 * kHour);
  EXPECT_EQ(events[0].mode, sim::PartitionMode::kDrop);
  ASSERT_EQ(events[0].sides.size(), 2u);
  ASSERT_EQ(events[0].sides[0].size(), 1u);
  EXPECT_EQ(events[0].sides[0][0].kind, SideSelector::Kind::kRegion);
  EXPECT_EQ(events[0].sides[0][0].index, 0u);  // north-america
  EXPECT_EQ(events[0].sides[1][0].kind, SideSelector::Kind::kRest);
  EXPECT_EQ(events[1].kind, NetworkEventSpec::Kind::kHeal);
  EXPECT_EQ(events[1].at, 4 * kHour);
  EXPECT_EQ(r->sim.autonomous_systems.count, 2000u);
  EXPECT_FALSE(r->sim.autonomous_systems.zipf_exponent.has_value());
  EXPECT_NE(r->resolved_json.find(
                R"("events":[{"kind":"partition","at":"2 h","sides":[[{"region":"north-america"}],)"
                R"(["rest"]],"mode":"drop"},{"kind":"heal","at":"4 h"}])"),
            std::string::npos)
      << r->resolved_json;
  auto again = Parse(r->resolved_json);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->resolved_json, r->resolved_json);
}

TEST(ScenarioEvents, EverySelectorAndDelayMode) {
  auto r = Parse(With("[[region: north-america], [rest]] }",
                      "[[group: a, nodes: [1, 2]], [as: 7, {as: [8, 9]}], [hashrate: 30 %], "
                      "[rest]], mode: delay, delay: 1 min }") +
                     "  - { at: 5 h, kind: partition, sides: [[region: europe], [rest]], "
                     "mode: delay }\n",
                 {"groups={a: {nodes: 20, hashrate: 0.5}, b: {nodes: 20, hashrate: 0.5}, "
                  "relays: {nodes: rest, hashrate: 0}}"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& e = r->sim.events[0];
  ASSERT_EQ(e.sides.size(), 4u);
  EXPECT_EQ(e.sides[0][0].kind, SideSelector::Kind::kGroup);
  EXPECT_EQ(e.sides[0][1].kind, SideSelector::Kind::kNodes);
  EXPECT_EQ(e.sides[0][1].values, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(e.sides[1][0].kind, SideSelector::Kind::kAs);
  EXPECT_EQ(e.sides[1][0].values, (std::vector<std::uint32_t>{7}));
  EXPECT_EQ(e.sides[1][1].values, (std::vector<std::uint32_t>{8, 9}));
  EXPECT_EQ(e.sides[2][0].kind, SideSelector::Kind::kWeight);
  EXPECT_DOUBLE_EQ(e.sides[2][0].weight, 0.3);
  EXPECT_EQ(e.sides[3][0].kind, SideSelector::Kind::kRest);
  EXPECT_EQ(e.mode, sim::PartitionMode::kDelay);
  EXPECT_EQ(e.delay, kMinute);
  EXPECT_EQ(r->sim.events[2].delay, 30 * kSecond);  // the default
}

TEST(ScenarioEvents, AutonomousSystemsAreRead) {
  auto r = Parse(With("  nodes: 200\n",
                      "  nodes: 200\n  autonomous_systems: { count: 500, zipf_exponent: 1.2 }\n"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sim.autonomous_systems.count, 500u);
  EXPECT_EQ(r->sim.autonomous_systems.zipf_exponent, 1.2);
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 200\n  autonomous_systems: { count: 0 }\n")),
            "s.yaml:7:32: network.autonomous_systems.count: must be at least 1, got `0`");
  EXPECT_EQ(Error(With("  nodes: 200\n",
                       "  nodes: 200\n  autonomous_systems: { zipf_exponent: -1 }\n")),
            "s.yaml:7:40: network.autonomous_systems.zipf_exponent: must be in [0, 10] or "
            "`fitted`, got `-1`");
  EXPECT_EQ(Error(With("  nodes: 200\n", "  nodes: 200\n  autonomous_systems: { count: 10 }\n")),
            "s.yaml:7:23: network.autonomous_systems.zipf_exponent: `fitted` needs more than 13 "
            "ASes (network.autonomous_systems.count is 10); give an exponent");
}

// ---- golden errors ------------------------------------------------------------------------

TEST(ScenarioEventErrors, SelectorsNameThingsThatExist) {
  EXPECT_EQ(Error(WithSides("[[region: mars], [rest]]")),
            "s.yaml:11:50: events[0].sides[0][0].region: unknown region `mars` (expected one "
            "of: north-america, europe, south-america, asia-pacific, japan, australia)");
  EXPECT_EQ(Error(WithSides("[[group: miners], [rest]]")),
            "s.yaml:11:49: events[0].sides[0][0].group: unknown group `miners` (expected one "
            "of: pools, others)");
  EXPECT_EQ(Error(WithSides("[[nodes: [3, 200]], [rest]]")),
            "s.yaml:11:53: events[0].sides[0][0].nodes[1]: node index 200 is out of range "
            "(network.nodes is 200, indexes start at 0)");
  EXPECT_EQ(Error(WithSides("[[as: 2001], [rest]]")),
            "s.yaml:11:46: events[0].sides[0][0].as: AS `2001` is out of range (AS numbers are 1 "
            "to 2000, network.autonomous_systems.count)");
  EXPECT_EQ(Error(WithSides("[[as: [1, 0]], [rest]]")),
            "s.yaml:11:50: events[0].sides[0][0].as[1]: AS `0` is out of range (AS numbers are 1 "
            "to 2000, network.autonomous_systems.count)");
  EXPECT_EQ(Error(WithSides("[[hashrate: 0], [rest]]")),
            "s.yaml:11:52: events[0].sides[0][0].hashrate: must be in (0, 1], got `0`");
  EXPECT_EQ(Error(WithSides("[[hashrate: 1.5], [rest]]")),
            "s.yaml:11:52: events[0].sides[0][0].hashrate: `1.5` is more than 1; write a share "
            "in [0, 1] or a percentage like `30 %`");
}

TEST(ScenarioEventErrors, SidesHaveTheirShape) {
  EXPECT_EQ(Error(WithSides("[[], [rest]]")),
            "s.yaml:11:41: events[0].sides[0]: expected a non-empty list of selectors like "
            "`[region: europe]`, got an empty list");
  EXPECT_EQ(Error(WithSides("[[rest]]")),
            "s.yaml:11:40: events[0].sides: expected 2 to 16 sides, got 1");
  EXPECT_EQ(Error(WithSides("[europe, [rest]]")),
            "s.yaml:11:41: events[0].sides[0]: expected a non-empty list of selectors like "
            "`[region: europe]`, got `europe`");
  EXPECT_EQ(Error(WithSides("[[{region: europe, group: pools}], [rest]]")),
            "s.yaml:11:42: events[0].sides[0][0]: a selector has one key, got `region`, `group` "
            "(list them as separate selectors of the side)");
  EXPECT_EQ(Error(WithSides("[[continent: europe], [rest]]")),
            "s.yaml:11:42: events[0].sides[0][0].continent: unknown key (expected one of: "
            "region, group, nodes, as, hashrate)");
  EXPECT_EQ(Error(WithSides("[[everyone], [rest]]")),
            "s.yaml:11:42: events[0].sides[0][0]: expected a selector like `{region: europe}` "
            "or `rest`, got `everyone`");
  EXPECT_EQ(Error(WithSides("[[rest], [rest]]")),
            "s.yaml:11:50: events[0].sides[1][0]: only one side may have `rest` (side 0 has it)");
}

TEST(ScenarioEventErrors, SidesMustSplitTheNodes) {
  // Which nodes a side gets depends on the seeded placement: checked after parsing, reported
  // at the selector.
  EXPECT_EQ(Error(WithSides("[[region: europe], [group: pools]]")),
            "s.yaml:11:67: events[0].sides[1][0].group: node 11 is on side 0 too (a node may be "
            "on one side only)");
  EXPECT_EQ(Error(WithSides("[[as: 1999], [rest]]")),
            "s.yaml:11:41: events[0].sides[0]: no node is on this side (its selectors match no "
            "node, or only nodes that an earlier selector put on another side)");
  EXPECT_EQ(Error(WithSides("[[region: europe], [region: north-america]]")),
            "s.yaml:11:40: events[0].sides: 31 nodes are on no side (name them, or give one "
            "side `rest`)");
  EXPECT_EQ(Error(WithSides("[[hashrate: 0.5], [group: pools]]")),
            "s.yaml:11:52: events[0].sides[0][0].hashrate: cannot reach 0.5 of hashrate: the "
            "side has 0 and every other mining node is taken");
}

TEST(ScenarioEventErrors, EventsAreOrderedAndPaired) {
  EXPECT_EQ(Error(With("at: 4 h, kind: heal", "at: 1 h, kind: heal")),
            "s.yaml:12:11: events[1].at: events must be in time order (`1 h` is before `2 h` of "
            "events[0])");
  EXPECT_EQ(Error(With("at: 4 h, kind: heal",
                       "at: 4 h, kind: partition, sides: [[rest], [nodes: [0]]]")),
            "s.yaml:12:22: events[1].kind: a partition is already in effect (events[0]); heal it "
            "first, one partition at a time");
  EXPECT_EQ(Error(std::string(kBase) + "  - { at: 5 h, kind: heal }\n"),
            "s.yaml:13:22: events[2].kind: no partition is in effect to heal");
  EXPECT_EQ(Error(With("kind: heal }", "kind: heal, sides: [[rest], [rest]] }")),
            "s.yaml:12:28: events[1].sides: unknown key for kind `heal` (expected one of: kind, "
            "at)");
  EXPECT_EQ(Error(With("[rest]] }", "[rest]], delay: 1 min }")),
            "s.yaml:11:82: events[0].delay: only allowed with `mode: delay`");
  EXPECT_EQ(Error(With("  - { at: 4 h, kind: heal }\n", "  - { kind: heal }\n")),
            "s.yaml:12:5: events[1].at: required key is missing");
  const std::string base(kBase);
  EXPECT_EQ(Error(base.substr(0, base.find("events:")) + "events: {at: 1 h}\n"),
            "s.yaml:10:9: events: expected a list of events like `[{at: 2 h, kind: partition, "
            "sides: [[region: europe], [rest]]}, {at: 4 h, kind: heal}]`, got a mapping");
}

// ---- overrides on list items --------------------------------------------------------------

TEST(ScenarioEventOverrides, ListItemsCanBeSet) {
  auto r = Parse(kBase, {"events[0].at=3 h", "events[1].at=5 h",
                         "events[0].sides[0][0]={region: europe}", "events[0].mode=delay",
                         "events[0].delay=1 min"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sim.events[0].at, 3 * kHour);
  EXPECT_EQ(r->sim.events[1].at, 5 * kHour);
  EXPECT_EQ(r->sim.events[0].sides[0][0].index, 1u);  // europe
  EXPECT_EQ(r->sim.events[0].mode, sim::PartitionMode::kDelay);
  EXPECT_EQ(r->sim.events[0].delay, kMinute);
  // The whole list can still be replaced.
  auto none = Parse(kBase, {"events=[]"});
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_TRUE(none->sim.events.empty());
}

TEST(ScenarioEventOverrides, ItemsMustExist) {
  EXPECT_EQ(Error(kBase, {"events[2].at=1 h"}),
            "--set events[2].at=1 h: events[2]: no such item (events has 2 items)");
  EXPECT_EQ(Error(kBase, {"events[0].sides[0][1]=rest"}),
            "--set events[0].sides[0][1]=rest: events[0].sides[0][1]: no such item "
            "(events[0].sides[0] has 1 item)");
  EXPECT_EQ(Error(kBase, {"groups[0].nodes=3"}),
            "--set groups[0].nodes=3: groups: is a mapping, not a list");
  EXPECT_EQ(Error(kBase, {"network.nodes[0]=3"}),
            "--set network.nodes[0]=3: network.nodes: is a scalar, not a list");
  EXPECT_EQ(Error(kBase, {"outputs[0]=blocks"}),
            "--set outputs[0]=blocks: outputs: is not set, so it has no items to set (set the "
            "whole list)");
  EXPECT_EQ(Error(kBase, {"events[0].at.x=1"}),
            "--set events[0].at.x=1: events[0].at: is a scalar, cannot set `x` inside it");
  for (const char* key : {"events[x].at=1 h", "events[0.at=1 h", "events[0]x.at=1 h",
                          "[0].at=1 h", "events[].at=1 h", "events]0[.at=1 h"}) {
    const std::string shown(key, std::string(key).find('='));
    EXPECT_EQ(Error(kBase, {key}), "--set " + std::string(key) + ": " + shown +
                                       ": invalid key (expected a dotted path like "
                                       "`network.nodes` or `events[0].at`)");
  }
  // An override that breaks the order is reported at the event it puts out of order.
  EXPECT_EQ(Error(kBase, {"events[0].at=5 h"}),
            "s.yaml:12:11: events[1].at: events must be in time order (`4 h` is before `5 h` of "
            "events[0])");
  EXPECT_EQ(Error(kBase, {"events[1].at=1 h"}),
            "--set events[1].at=1 h: events[1].at: events must be in time order (`1 h` is before "
            "`2 h` of events[0])");
}

TEST(ScenarioEventReference, DocumentsEventsAndAses) {
  const std::string md = ScenarioReferenceMarkdown();
  for (const char* key :
       {"## `events[<i>]`", "## `events[<i>].sides[<s>][<k>]`", "## `network.autonomous_systems`",
        "`zipf_exponent`", "`events[0].at=3 h`"}) {
    EXPECT_NE(md.find(key), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace peerlab::scenario
