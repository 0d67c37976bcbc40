#include "peerlab/scenario/run.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <new>
#include <optional>
#include <stdexcept>

#include "peerlab/results/csv.hpp"
#include "peerlab/results/json.hpp"
#include "peerlab/results/run_directory.hpp"
#include "peerlab/scenario/memory_check.hpp"
#include "peerlab/bitcoin/sim/memory_estimate.hpp"
#include "peerlab/util/hash.hpp"
#include "peerlab/util/huge_pages.hpp"
#include "peerlab/util/version.hpp"
#include "summary_events.hpp"
#ifdef PEERLAB_HAVE_NS3
#include "peerlab/ns3/ns3_transport.hpp"
#endif

namespace peerlab::scenario {

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

namespace {

void WriteDistribution(results::JsonWriter& w, const sim::Distribution& d) {
  w.BeginObject();
  w.Key("mean").Double(d.mean);
  w.Key("p50").Double(d.p50);
  w.Key("p90").Double(d.p90);
  w.Key("p99").Double(d.p99);
  w.EndObject();
}

// docs/attacks.md lists these keys.
void WriteEclipse(results::JsonWriter& w, const sim::AdversaryReport& a) {
  w.Key("victim").UInt(a.victim);
  w.Key("restart_at_s").Double(a.restart_at_s);
  w.Key("eclipsed").Bool(a.eclipsed_at_s.has_value());
  w.Key("eclipsed_at_s").Double(a.eclipsed_at_s);
  w.Key("victim_outbound").UInt(a.victim_outbound);
  w.Key("victim_outbound_attacker_share").Double(a.victim_outbound_attacker_share);
  w.Key("addrman_attacker_share_new").Double(a.addrman_attacker_share_new);
  w.Key("addrman_attacker_share_tried").Double(a.addrman_attacker_share_tried);
  w.Key("addrman_trash_share_new").Double(a.addrman_trash_share_new);
  w.Key("attacker_connections").UInt(a.attacker_connections);
  w.Key("victim_connections_to_attacker").UInt(a.victim_connections_to_attacker);
  w.Key("flood_messages").UInt(a.flood_messages);
}

void WriteChurn(results::JsonWriter& w, const sim::SimReport& r) {
  if (!r.churn) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Key("nodes").UInt(r.churn->nodes);
  w.Key("departures").UInt(r.churn->departures);
  w.Key("arrivals").UInt(r.churn->arrivals);
  w.Key("link_failures").UInt(r.churn->link_failures);
  w.Key("offline_at_end").UInt(r.churn->offline_at_end);
  w.EndObject();
}

// `adversaries.<group>`: the keys of the group's strategy (docs/attacks.md lists them).
void WriteAdversary(results::JsonWriter& w, const sim::GroupReport& g) {
  const sim::AdversaryReport& a = *g.adversary;
  w.Key("kind").String(a.kind);
  const bool selfish = a.kind == "selfish-mining" || a.kind == "lead-stubborn" ||
                       a.kind == "equal-fork-stubborn" || a.kind == "trail-stubborn";
  if (a.kind != "black-hole" && a.kind != "eclipse") {
    w.Key("hashrate").Double(g.hashrate);
    w.Key("revenue_share").Double(g.revenue_share);
    w.Key("blocks_orphaned").UInt(a.blocks_orphaned);
    w.Key("own_blocks_orphaned").UInt(a.own_blocks_orphaned);
  }
  if (selfish || a.kind == "double-spend") {
    w.Key("blocks_withheld").UInt(a.blocks_withheld);
    w.Key("rushing_links").UInt(a.rushing_links);
    w.Key("rushing_honest_share").Double(a.rushing_honest_share);
  }
  if (selfish) {
    w.Key("observed_gamma").Double(a.observed_gamma);
    w.Key("races").UInt(a.races);
    w.Key("race_blocks_on_attacker").UInt(a.race_blocks_on_attacker);
    w.Key("race_blocks_on_rival").UInt(a.race_blocks_on_rival);
    w.Key("overrides").UInt(a.overrides);
  }
  if (a.kind == "double-spend") {
    w.Key("attempts").UInt(a.attempts);
    w.Key("published").UInt(a.published);
    w.Key("successes").UInt(a.successes);
    w.Key("success_rate").Double(a.success_rate);
  }
  if (a.kind == "censor") {
    w.Key("censored_txs").UInt(a.censored_txs);
    w.Key("censored_tx_delay_blocks");
    WriteDistribution(w, a.censored_tx_delay_blocks);
    w.Key("censored_tx_delay_s");
    WriteDistribution(w, a.censored_tx_delay_s);
    w.Key("never_included_share").Double(a.never_included_share);
    w.Key("fork_blocks").UInt(a.fork_blocks);
  }
  if (a.kind == "black-hole") {
    w.Key("blocks_not_relayed").UInt(a.blocks_not_relayed);
    w.Key("blocks_delayed").UInt(a.blocks_delayed);
    w.Key("txs_not_relayed").UInt(a.txs_not_relayed);
  }
  if (a.kind == "eclipse") WriteEclipse(w, a);
}

void WriteTransactions(results::JsonWriter& w, const sim::SimReport& r) {
  if (!r.tx_workload) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Key("created").UInt(r.txs_created);
  w.Key("confirmed").UInt(r.txs_confirmed);
  w.Key("classes").BeginObject();
  for (const auto& c : r.tx_classes) {
    w.Key(c.name).BeginObject();
    w.Key("created").UInt(c.created);
    w.Key("included").UInt(c.included);
    w.Key("included_share").Double(c.included_share);
    w.Key("never_included_share").Double(c.included_share ? std::optional<double>(1 - *c.included_share)
                                                          : std::nullopt);
    w.Key("reach_50_s");
    WriteDistribution(w, c.reach_50_s);
    w.Key("reach_90_s");
    WriteDistribution(w, c.reach_90_s);
    w.Key("inclusion_delay_s");
    WriteDistribution(w, c.inclusion_delay_s);
    w.Key("inclusion_delay_blocks");
    WriteDistribution(w, c.inclusion_delay_blocks);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::string SummaryJson(const Scenario& scenario, const sim::SimReport& r) {
  results::JsonWriter w;
  w.BeginObject();
  w.Key("scenario").String(scenario.name);
  w.Key("seed").UInt(scenario.sim.seed);
  w.Key("backend").String(sim::BackendName(scenario.sim.backend));
  w.Key("nodes").UInt(r.nodes);
  w.Key("sim_time_s").Double(ToSeconds(r.sim_time));
  w.Key("blocks").BeginObject();
  w.Key("mined").UInt(r.blocks_mined);
  w.Key("main_chain").UInt(r.blocks_main);
  w.Key("stale").UInt(r.blocks_stale);
  w.Key("stale_rate").Double(r.stale_rate);
  w.Key("main_tip_height").UInt(r.main_tip_height);
  w.EndObject();
  w.Key("propagation_s").BeginObject();
  w.Key("p50").Double(r.propagation_p50_s);
  w.Key("p90").Double(r.propagation_p90_s);
  w.Key("p99").Double(r.propagation_p99_s);
  w.EndObject();
  w.Key("reorgs").BeginObject();
  w.Key("count").UInt(r.reorgs);
  w.Key("max_depth").UInt(r.max_reorg_depth);
  w.Key("depth_histogram");
  detail::WriteReorgDepthHistogram(w, r);
  w.EndObject();
  w.Key("peers").BeginObject();
  w.Key("disconnects").UInt(r.disconnects);
  w.Key("punishments").UInt(r.punishments);
  w.Key("evictions").UInt(r.evictions);
  w.Key("connection_attempts").UInt(r.connection_attempts);
  w.Key("failed_connections").UInt(r.failed_connections);
  w.Key("feelers").UInt(r.feelers);
  w.EndObject();
  w.Key("partitions");
  detail::WritePartitions(w, r);
  w.Key("groups").BeginObject();
  for (const auto& g : r.groups) {
    w.Key(g.name).BeginObject();
    w.Key("hashrate").Double(g.hashrate);
    w.Key("nodes").UInt(g.nodes);
    w.Key("blocks_mined").UInt(g.blocks_mined);
    w.Key("blocks_main").UInt(g.blocks_main);
    w.Key("revenue_share").Double(g.revenue_share);
    w.EndObject();
  }
  w.EndObject();
  w.Key("transactions");
  WriteTransactions(w, r);
  w.Key("chain_quality").Double(r.chain_quality);
  w.Key("churn");
  WriteChurn(w, r);
  w.Key("adversaries").BeginObject();
  for (const auto& g : r.groups) {
    if (!g.adversary) continue;
    w.Key(g.name).BeginObject();
    WriteAdversary(w, g);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
  return w.Finish();
}

std::string BlocksCsv(const Scenario& scenario, const sim::SimReport& r) {
  results::CsvWriter csv({"id", "height", "parent", "miner_group", "miner_node", "mined_at_s",
                          "main_chain", "size_bytes", "reach_50_s", "reach_90_s", "reach_99_s",
                          "reach_100_s", "partition_side"});
  for (const auto& b : r.blocks) {
    csv.Field(b.id_hex).Field(b.height).Field(b.parent_hex);
    csv.Field(scenario.sim.groups[b.miner_group].name).Field(b.miner_node);
    csv.Field(ToSeconds(b.found_at)).Field(b.main_chain).Field(b.size_bytes);
    for (const auto& reach : b.reach_s) csv.Field(reach);
    csv.Field(b.partition_side);
    csv.EndRow();
  }
  return csv.text();
}

std::string TransactionsCsv(const Scenario& scenario, const sim::SimReport& r) {
  results::CsvWriter csv({"id", "class", "origin_node", "created_at_s", "size_bytes", "fee_sat",
                          "reach_50_s", "reach_90_s", "included_height", "inclusion_delay_s",
                          "inclusion_delay_blocks"});
  for (const auto& t : r.txs) {
    csv.Field(t.id_hex).Field(scenario.sim.transactions.classes[t.tx_class].name);
    csv.Field(t.origin).Field(ToSeconds(t.created_at)).Field(t.size_bytes).Field(t.fee_sat);
    csv.Field(t.reach_50_s).Field(t.reach_90_s).Field(t.included_height);
    csv.Field(t.inclusion_delay_s).Field(t.inclusion_delay_blocks);
    csv.EndRow();
  }
  return csv.text();
}

std::string RunManifestJson(const Scenario& scenario, const sim::SimReport& r, double wall_s,
                            double peak_rss_mb) {
  results::JsonWriter w;
  w.BeginObject();
  w.Key("peerlab_version").String(kVersion);
  w.Key("git_commit").String(kGitCommit);
  w.Key("scenario_file").String(scenario.file);
  const auto* text = reinterpret_cast<const std::uint8_t*>(scenario.text.data());
  w.Key("scenario_sha256").String(Sha256({text, scenario.text.size()}).ToDigestHex());
  w.Key("seed").UInt(scenario.sim.seed);
  w.Key("overrides").BeginArray();
  for (const auto& o : scenario.overrides) w.String(o);
  w.EndArray();
  w.Key("backend").String(sim::BackendName(scenario.sim.backend));
  w.Key("resolved_scenario").Raw(scenario.resolved_json);
  w.Key("wall_s").Double(wall_s);
  w.Key("perf").BeginObject();
  w.Key("events").UInt(r.events);
  if (scenario.sim.backend == sim::Backend::kNs3) w.Key("ns3_events").UInt(r.network_events);
  w.Key("wall_s").Double(wall_s);
  w.Key("events_per_s").Double(wall_s > 0 ? static_cast<double>(r.events) / wall_s : 0.0);
  w.Key("peak_rss_mb").Double(peak_rss_mb);
  w.Key("huge_pages").Bool(HeapUsesHugePages());
  w.EndObject();
  w.EndObject();
  return w.Finish();
}

namespace {

// What a run holds that the out-of-memory path must reach after unwinding: the simulation
// (its events and clock for the message, then freed) and the staging directory to remove.
struct RunHold {
  std::unique_ptr<sim::Simulation> simulation;
  std::optional<results::RunDirectory> dir;
};

Result<RunOutcome> RunAndWrite(const Scenario& scenario, const RunOptions& options,
                               RunHold& hold) {
  const auto started = std::chrono::steady_clock::now();  // wall time for run.json only
  std::unique_ptr<sim::Transport> transport;
#ifdef PEERLAB_HAVE_NS3
  if (scenario.sim.backend == sim::Backend::kNs3) transport = ns3net::MakeNs3Transport(scenario.sim);
#endif
  // The scenario layer refuses ns3 in a build without it.
  PEERLAB_ASSERT((scenario.sim.backend == sim::Backend::kNs3) == (transport != nullptr));
  auto built = sim::Simulation::Build(scenario.sim, std::move(transport));
  if (!built.ok()) return Status::Error(scenario.file + ": " + built.status().message());
  hold.simulation = std::move(built).value();
  sim::Simulation& simulation = *hold.simulation;
  // Claim the output directory before the (possibly long) run, so a taken --out fails fast.
  std::optional<results::RunDirectory>& dir = hold.dir;
  if (!options.out_dir.empty()) {
    auto opened = results::RunDirectory::Open(options.out_dir, options.replace);
    if (!opened.ok()) return opened.status();
    dir.emplace(std::move(opened).value());
  }
  simulation.Run(options.progress);
  if (!simulation.wire_check_status().ok()) {
    if (dir) dir->Abandon();
    RunOutcome failed;
    failed.wire_check = Status::Error("seed=" + std::to_string(scenario.sim.seed) + " scenario=" +
                                      scenario.file + ": " + simulation.wire_check_status().message());
    return failed;
  }

  RunOutcome outcome;
  outcome.report = simulation.Report();
  outcome.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outcome.peak_rss_mb = PeakRssMb();
  outcome.summary_json = SummaryJson(scenario, outcome.report);
  if (!dir) return outcome;
  const bool want_blocks =
      std::find(scenario.outputs.begin(), scenario.outputs.end(), "blocks") !=
      scenario.outputs.end();
  Status s = dir->Write("summary.json", outcome.summary_json);
  if (s.ok() && want_blocks) s = dir->Write("blocks.csv", BlocksCsv(scenario, outcome.report));
  const bool want_transactions =
      std::find(scenario.outputs.begin(), scenario.outputs.end(), "transactions") !=
      scenario.outputs.end();
  if (s.ok() && want_transactions) {
    s = dir->Write("transactions.csv", TransactionsCsv(scenario, outcome.report));
  }
  const bool want_graphml =
      std::find(scenario.outputs.begin(), scenario.outputs.end(), "graphml") !=
      scenario.outputs.end();
  const sim::SimReport& r = outcome.report;
  if (s.ok()) s = dir->Write("edges.csv", EdgesCsv(r.final_edges));
  if (s.ok()) s = dir->Write("nodes.csv", NodesCsv(scenario, r));
  if (s.ok() && want_graphml) s = dir->Write("topology.graphml", GraphMl(scenario, r, r.final_edges));
  for (const sim::TopologySnapshot& snap : r.snapshots) {
    if (s.ok()) s = dir->Write(SnapshotName(snap.at, "edges", ".csv"), EdgesCsv(snap.edges));
    if (s.ok() && want_graphml) {
      s = dir->Write(SnapshotName(snap.at, "topology", ".graphml"), GraphMl(scenario, r, snap.edges));
    }
  }
  if (s.ok()) {
    s = dir->Write("run.json", RunManifestJson(scenario, outcome.report, outcome.wall_s,
                                               outcome.peak_rss_mb));
  }
  if (!s.ok()) {
    dir->Abandon();
    return s;
  }
  // A failed Commit leaves the finished run in the staging directory and says so: the results
  // of a long run are not thrown away because the destination changed under it.
  s = dir->Commit();
  if (!s.ok()) return s;
  return outcome;
}

}  // namespace

Result<RunOutcome> RunScenario(const Scenario& scenario, const RunOptions& options) {
  if (!options.ignore_memory_estimate) {
    Status fits = RefuseIfTooBig(scenario, CheckMemory(scenario));
    if (!fits.ok()) return fits;
  }
  RunHold hold;
  // Allocation failure anywhere in building, running or writing (ulimit -v, a cgroup limit,
  // or a run past its estimate) ends the run here, the library's boundary: nothing below
  // catches it, and the event loop has no state worth keeping once it is thrown.
  try {
    return RunAndWrite(scenario, options, hold);
  } catch (const std::bad_alloc&) {
  } catch (const std::length_error&) {  // a container asked for more than it can address
  }
  const bool built = hold.simulation != nullptr;
  const std::uint64_t events = built ? hold.simulation->events_processed() : 0;
  const TimeNs now = built ? hold.simulation->now() : 0;
  hold.simulation.reset();  // give the memory back before formatting and cleaning up
  if (hold.dir) hold.dir->Abandon();
  char where[128];
  if (built) {
    std::snprintf(where, sizeof where, "after %llu events at simulated time %.3f s",
                  static_cast<unsigned long long>(events), ToSeconds(now));
  } else {
    std::snprintf(where, sizeof where, "while building %u nodes", scenario.sim.nodes);
  }
  return Status::Error(scenario.file + ": out of memory " + where + " (peak RSS " +
                       sim::FormatBytes(PeakRssMb() * 1024 * 1024) + ", estimate " +
                       sim::FormatBytes(sim::EstimateMemory(scenario.sim).bytes) +
                       "); run with fewer nodes, blocks or transactions");
}

}  // namespace peerlab::scenario
