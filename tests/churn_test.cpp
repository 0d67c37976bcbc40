// Churn: departures and arrivals against the session and downtime distributions, random link
// failures against their rate, who churns, what churn does to propagation, determinism, and the
// scenario checks of the `churn` section.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"

namespace peerlab::scenario {
namespace {

// 200 nodes: 20 pools with the hashrate, 180 relays; half the relays churn, 12 hours.
constexpr const char* kRates =
    "version: 1\n"                                                      // 1
    "name: churn-rates\n"                                               // 2
    "seed: 5\n"                                                         // 3
    "stop: { time: 12 h }\n"                                            // 4
    "network: { nodes: 200, regions: bitcoin, topology: {kind: bitcoin} }\n"  // 5
    "protocol: { block_interval: 600 s, block_size: 100 kB }\n"         // 6
    "groups:\n"                                                         // 7
    "  pools: { nodes: 20, hashrate: 1.0 }\n"                           // 8
    "  relays: { nodes: rest, hashrate: 0 }\n"                          // 9
    "churn:\n"                                                          // 10
    "  share: 0.5\n"                                                    // 11
    "  session: { kind: exponential, mean: 1 h }\n"                     // 12
    "  downtime: { kind: exponential, mean: 30 min }\n";                // 13

Scenario Parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  auto s = ParseScenario(text, "churn-rates.yaml", "", overrides);
  if (!s.ok()) ADD_FAILURE() << s.status().message();
  PEERLAB_ASSERT(s.ok());
  return std::move(s).value();
}

sim::SimReport Simulate(const Scenario& s) {
  auto outcome = runner::RunScenario(s, {});
  PEERLAB_ASSERT(outcome.ok());
  return outcome->report;
}

std::string Where(const Scenario& s) {
  return "seed=" + std::to_string(s.sim.seed) + " scenario=" + s.file;
}

TEST(Churn, ExponentialDeparturesAndArrivalsFollowTheirMeans) {
  const Scenario s = Parse(kRates);
  const sim::SimReport r = Simulate(s);
  ASSERT_TRUE(r.churn.has_value());
  const sim::ChurnReport& c = *r.churn;
  EXPECT_EQ(c.nodes, 90u) << Where(s);  // half of the 180 relays
  // Each churning node is a two-state Markov chain, online at 0, leaving at rate a = 1/h and
  // coming back at rate b = 2/h: P(online at t) = b/(a+b) + a/(a+b) e^-(a+b)t, so it leaves
  // a * integral over [0, 12 h] = 8 + (1 - e^-36)/9 = 8.111 times on average: 730 in all.
  // Renewal CLT: variance per node T (Var S + Var D) / E[S + D]^3 = 12 x 1.25 / 3.375 = 4.44,
  // so the total has sd sqrt(90 x 4.44) = 20; we allow 4 sd. Measured 748 (seeds 5-7: 748,
  // 720, 710).
  EXPECT_NEAR(static_cast<double>(c.departures), 730.0, 80.0) << Where(s);
  // Offline at the end: 90 x 1/3 = 30, binomial sd 4.5; 4 sd. Measured 33.
  EXPECT_NEAR(static_cast<double>(c.offline_at_end), 30.0, 18.0) << Where(s);
  // A node comes back once per departure, except those still away at the end.
  EXPECT_EQ(c.arrivals, c.departures - c.offline_at_end) << Where(s);
  EXPECT_EQ(c.link_failures, 0u) << Where(s);
}

TEST(Churn, WeibullDeparturesFollowTheirMeans) {
  // Shape 0.5 (variance 5 mean^2), session mean 10 min, downtime mean 5 min: E[S + D] = 0.25 h,
  // Var = 5/36 + 5/144 = 0.1736 h^2. Renewal theory with the first session as delay:
  // E[N] ~ (T - E[S]) / E[S + D] + E[(S + D)^2] / (2 E[S + D]^2) = 47.33 + 1.89 = 49.22 per
  // node, 4430 for 90; variance per node 12 x 0.1736 / 0.25^3 = 133, sd of the total 110; we
  // allow 4 sd. Measured 4327.
  const Scenario s = Parse(kRates, {"churn.session={kind: weibull, mean: 10 min, shape: 0.5}",
                                    "churn.downtime={kind: weibull, mean: 5 min, shape: 0.5}"});
  const sim::ChurnReport c = *Simulate(s).churn;
  EXPECT_NEAR(static_cast<double>(c.departures), 4430.0, 440.0) << Where(s);
  EXPECT_NEAR(static_cast<double>(c.offline_at_end), 30.0, 18.0) << Where(s);  // measured 28
  EXPECT_EQ(c.arrivals, c.departures - c.offline_at_end) << Where(s);
}

TEST(Churn, LinkFailuresFollowTheirRate) {
  // No node churns; 200 nodes x 10 outbound connections fail at 0.5 per connection per hour
  // for 4 hours: 4000 expected (Poisson sd 63; the count of open connections dips briefly
  // while failed ones are replaced). We allow 4 sd plus 3 %. Measured 4054.
  const Scenario s = Parse(kRates, {"seed=1", "churn.share=0", "churn.link_failures.rate=0.5",
                                    "stop.time=4 h"});
  const sim::SimReport r = Simulate(s);
  ASSERT_TRUE(r.churn.has_value());
  EXPECT_NEAR(static_cast<double>(r.churn->link_failures), 4000.0, 252.0 + 120.0) << Where(s);
  EXPECT_EQ(r.churn->departures, 0u) << Where(s);
  // The node that opened a failed connection replaces it: all attempts but the feelers.
  const double replacements = static_cast<double>(r.connection_attempts - r.feelers);
  EXPECT_NEAR(replacements, static_cast<double>(r.churn->link_failures),
              0.02 * static_cast<double>(r.churn->link_failures))
      << Where(s);
}

TEST(Churn, OnlyNodesWithoutHashrateChurnUnlessMinersAreIncluded) {
  const Scenario relays = Parse(kRates, {"stop.time=10 min"});
  EXPECT_EQ(Simulate(relays).churn->nodes, 90u) << Where(relays);
  const Scenario all = Parse(kRates, {"stop.time=10 min", "churn.include_miners=true"});
  EXPECT_EQ(Simulate(all).churn->nodes, 100u) << Where(all);
  const Scenario none = Parse(kRates, {"stop.time=10 min", "churn={share: 0}"});
  EXPECT_EQ(Simulate(none).churn->nodes, 0u) << Where(none);
  // Without a churn section the summary says null.
  std::string text = kRates;
  text.resize(text.find("churn:"));
  auto plain = runner::RunScenario(Parse(text, {"stop.time=10 min"}), {});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->report.churn.has_value());
  EXPECT_NE(plain->summary_json.find("\"churn\": null"), std::string::npos);
}

const std::string kShipped = std::string(PEERLAB_SOURCE_DIR) + "/scenarios/churn.yaml";

TEST(Churn, ChurnDelaysPropagationToEveryNode) {
  auto with = LoadScenario(kShipped, {"stop.blocks=15"});
  auto without = LoadScenario(kShipped, {"stop.blocks=15", "churn.share=0"});
  ASSERT_TRUE(with.ok() && without.ok());
  const sim::SimReport r = Simulate(*with);
  const sim::SimReport r0 = Simulate(*without);
  const std::string where = "seed=1 scenario=scenarios/churn.yaml stop.blocks=15";
  ASSERT_TRUE(r.propagation_p99_s && r0.propagation_p99_s) << where;
  // Nodes that were offline when a block was found get it only when they are back (the 99 %
  // includes them): measured p99 4250 s against 9.5 s without churn; p50 4.28 s against
  // 4.13 s (the online nodes hardly notice); no block reached every node, against all 15.
  EXPECT_GT(*r.propagation_p99_s, 10 * *r0.propagation_p99_s) << where;
  // Main-chain blocks only: a stale sibling is announced only by the nodes that took it as
  // their tip (Core announces tip changes), so it need not reach everyone, churn or not.
  std::uint32_t main = 0, main0 = 0, all_reached = 0, all_reached0 = 0;
  for (const sim::BlockRow& b : r.blocks) {
    main += b.main_chain;
    all_reached += b.main_chain && b.reach_s[3].has_value();
  }
  for (const sim::BlockRow& b : r0.blocks) {
    main0 += b.main_chain;
    all_reached0 += b.main_chain && b.reach_s[3].has_value();
  }
  EXPECT_EQ(all_reached0, main0) << where;
  EXPECT_LT(all_reached, main) << where;  // some node was still away at the end
  EXPECT_GT(r.churn->departures, 50u) << where;
}

TEST(Churn, SameSeedGivesTheSameSummary) {
  auto s = LoadScenario(kShipped, {"stop.blocks=10"});
  ASSERT_TRUE(s.ok());
  auto a = runner::RunScenario(*s, {});
  auto b = runner::RunScenario(*s, {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->summary_json, b->summary_json) << "seed=1 scenario=scenarios/churn.yaml";
}

// ---- scenario checks ------------------------------------------------------------------------

std::string Error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  auto r = ParseScenario(text, "s.yaml", "", overrides);
  return r.ok() ? "OK" : r.status().message();
}

std::string With(const std::string& from, const std::string& to) {
  std::string text = kRates;
  const std::size_t at = text.find(from);
  PEERLAB_ASSERT(at != std::string::npos && text.find(from, at + 1) == std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST(ChurnScenario, Errors) {
  EXPECT_EQ(Error(kRates, {"network.topology={kind: random-regular, degree: 4}"}),
            "s.yaml:11:3: churn: needs network.topology.kind `bitcoin`, got `random-regular` (on "
            "fixed topologies nodes never reconnect)");
  EXPECT_EQ(Error(With("relays: { nodes: rest, hashrate: 0 }",
                       "relays: { nodes: rest, hashrate: 0.5 }"),
                  {"groups.pools.hashrate=0.5"}),
            "s.yaml:11:10: churn.share: no node can churn: every group has hashrate or a strategy "
            "(add a group with hashrate 0, or set `churn.include_miners: true`)");
  EXPECT_EQ(Error(With("share: 0.5", "share: 1.5")),
            "s.yaml:11:10: churn.share: `1.5` is more than 1; write a share in [0, 1] or a "
            "percentage like `30 %`");
  EXPECT_EQ(Error(With("mean: 1 h }", "mean: 0 s }")),
            "s.yaml:12:39: churn.session.mean: must be positive, got `0 s`");
  EXPECT_EQ(Error(With("{ kind: exponential, mean: 30 min }", "{ kind: exponential }")),
            "s.yaml:13:13: churn.downtime.mean: required key is missing");
  EXPECT_EQ(Error(With("{ kind: exponential, mean: 1 h }",
                       "{ kind: exponential, mean: 1 h, shape: 2 }")),
            "s.yaml:12:44: churn.session.shape: unknown key for kind `exponential` (expected one "
            "of: kind, mean)");
  EXPECT_EQ(Error(With("{ kind: exponential, mean: 1 h }",
                       "{ kind: weibull, mean: 1 h, shape: 20 }")),
            "s.yaml:12:47: churn.session.shape: must be between 0.1 and 10, got `20`");
  EXPECT_EQ(Error(With("{ kind: exponential, mean: 1 h }", "{ kind: lognormal, mean: 1 h }")),
            "s.yaml:12:20: churn.session.kind: unknown value `lognormal` (expected one of: "
            "exponential, weibull)");
  EXPECT_EQ(Error(kRates, {"churn.link_failures.rate=-1"}),
            "--set churn.link_failures.rate=-1: churn.link_failures.rate: must be between 0 and "
            "3600, got `-1`");
  EXPECT_EQ(Error(kRates, {"churn.sessions=3"}),
            "--set churn.sessions=3: churn.sessions: unknown key (expected one of: share, session, "
            "downtime, include_miners, include_validators, link_failures)");
  EXPECT_EQ(Error(kRates, {"churn.include_miners=maybe"}),
            "--set churn.include_miners=maybe: churn.include_miners: expected `true` or `false`, "
            "got `maybe`");
}

TEST(ChurnScenario, ShippedScenarioTakesOverrides) {
  auto r = LoadScenario(kShipped, {"churn.share=0.5", "stop.blocks=3", "network.nodes=120",
                                   "churn.session.mean=30 min"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->sim.churn.share, 0.5);
  EXPECT_EQ(r->sim.churn.session.kind, sim::LifetimeKind::kWeibull);
  EXPECT_EQ(r->sim.churn.session.mean, 30 * kMinute);
  EXPECT_EQ(r->sim.churn.session.shape, 0.5);
  EXPECT_EQ(r->sim.churn.downtime.mean, 30 * kMinute);
  EXPECT_EQ(r->sim.churn.link_failures_per_hour, 0.1);
  EXPECT_EQ(r->sim.nodes, 120u);
}

}  // namespace
}  // namespace peerlab::scenario
