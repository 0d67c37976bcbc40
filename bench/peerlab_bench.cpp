// peerlab_bench: prints JSON figures for the engine and for whole scenario runs. A benchmark,
// not a test: it asserts nothing about speed (see bench/README.md).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "peerlab/cli/cli.hpp"
#include "peerlab/results/json.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"
#include "peerlab/sim/event_queue.hpp"
#include "peerlab/util/huge_pages.hpp"
#include "peerlab/util/rng.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Hold model: keep `pending` events queued; each step pops the earliest and pushes one at a
// random exponential offset, as a simulation's steady state does.
void EngineChurn(peerlab::results::JsonWriter& w, std::size_t pending, std::uint64_t steps) {
  using namespace peerlab;
  using namespace peerlab::sim;
  EventQueue q;
  q.Reserve(pending + 1);
  Rng rng(1);
  std::uint32_t seq = 0;
  for (std::size_t i = 0; i < pending; ++i) {
    q.Push(Event{static_cast<TimeNs>(rng.Exponential(1e9)),
                 Event::MakeKey(EventKind::kDeliver, static_cast<std::uint32_t>(i % 10000), seq++),
                 0, 0, 0});
  }
  std::uint64_t checksum = 0;
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < steps; ++i) {
    const Event e = q.Pop();
    checksum += e.a;
    q.Push(Event{e.time + 1 + static_cast<TimeNs>(rng.Exponential(1e9)),
                 Event::MakeKey(EventKind::kDeliver, static_cast<std::uint32_t>(i % 10000), seq++),
                 static_cast<std::uint32_t>(i), 0, 0});
  }
  const double wall = Seconds(start);
  w.BeginObject();
  w.Key("pending").UInt(pending);
  w.Key("events").UInt(steps);
  w.Key("wall_s").Double(wall);
  w.Key("events_per_s").Double(static_cast<double>(steps) / wall);
  w.Key("checksum").UInt(checksum);
  w.EndObject();
}

int RunScenario(peerlab::results::JsonWriter& w, const std::string& path,
                const std::vector<std::string>& overrides) {
  auto scenario = peerlab::scenario::LoadScenario(path, overrides);
  if (!scenario.ok()) {
    std::fprintf(stderr, "%s\n", scenario.status().message().c_str());
    return 2;
  }
  auto outcome = peerlab::runner::RunScenario(*scenario, {});
  if (!outcome.ok()) {
    std::fprintf(stderr, "%s\n", outcome.status().message().c_str());
    return 2;
  }
  const auto& r = outcome->report;
  w.BeginObject();
  w.Key("scenario").String(path);
  w.Key("overrides").BeginArray();
  for (const auto& o : overrides) w.String(o);
  w.EndArray();
  w.Key("backend").String(peerlab::sim::BackendName(scenario->sim.backend));
  w.Key("nodes").UInt(r.nodes);
  w.Key("blocks").UInt(r.blocks_mined);
  w.Key("wall_s").Double(outcome->wall_s);
  w.Key("events").UInt(r.events);
  w.Key("events_per_s").Double(static_cast<double>(r.events) / outcome->wall_s);
  // The ns-3 backend's own events (packets, timers): what its wall time is spent on.
  if (scenario->sim.backend == peerlab::sim::Backend::kNs3) w.Key("ns3_events").UInt(r.network_events);
  w.Key("peak_rss_mb").Double(outcome->peak_rss_mb);
  w.Key("huge_pages").Bool(peerlab::HeapUsesHugePages());
  w.Key("propagation_p50_s").Double(r.propagation_p50_s);
  w.Key("propagation_p90_s").Double(r.propagation_p90_s);
  w.Key("stale_rate").Double(r.stale_rate);
  w.EndObject();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  peerlab::ReexecWithHugePages(argv);  // as `peerlab run` does (util/huge_pages.hpp)
  std::string which = "all";
  std::string scenario = std::string(PEERLAB_SOURCE_DIR) + "/scenarios/bitcoin.yaml";
  std::vector<std::string> overrides;
  CLI::App app{"Prints JSON: engine queue churn events/s; scenario wall s, events, events/s, peak "
               "RSS.\nMeasure scenarios one per process (peak RSS is per process).",
               "peerlab_bench"};
  peerlab::cli::Configure(app);
  app.add_option("BENCHMARK", which, "engine, scenario or all (default all)")
      ->check(peerlab::cli::OneOf({"engine", "scenario", "all"}));
  app.add_option("--scenario", scenario, "the scenario to measure (default scenarios/bitcoin.yaml)")
      ->type_name("FILE");
  app.add_option("--set", overrides, "override a scenario key (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  if (auto done = peerlab::cli::Parse(app, argc, argv, 1)) return *done;
  peerlab::results::JsonWriter w;
  w.BeginObject();
  if (which == "all" || which == "engine") {
    w.Key("engine_churn").BeginArray();
    EngineChurn(w, 100'000, 20'000'000);
    EngineChurn(w, 1'000'000, 20'000'000);
    w.EndArray();
  }
  if (which == "all" || which == "scenario") {
    w.Key("scenario");
    if (int rc = RunScenario(w, scenario, overrides); rc != 0) return rc;
  }
  w.EndObject();
  std::fputs(w.Finish().c_str(), stdout);
  return 0;
}
