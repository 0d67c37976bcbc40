#include "peerlab/runner/run.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <new>
#include <optional>
#include <stdexcept>

#include "peerlab/results/json.hpp"
#include "peerlab/results/run_directory.hpp"
#include "peerlab/results/summary.hpp"
#include "peerlab/results/tables.hpp"
#include "peerlab/runner/memory_check.hpp"
#include "peerlab/bitcoin/sim/memory_estimate.hpp"
#include "peerlab/util/huge_pages.hpp"
#include "adversaries/adversaries.hpp"
#include "summary_events.hpp"
#ifdef PEERLAB_HAVE_NS3
#include "peerlab/ns3/ns3_transport.hpp"
#endif

namespace peerlab::runner {

double PeakRssMb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

void WriteDistribution(results::JsonWriter& w, const sim::Distribution& d) {
  results::WriteDistribution(w, {d.mean, d.p50, d.p90, d.p99});
}

namespace {

// `adversaries.<group>`: `kind`, then the keys of the group's strategy, written by its file
// under adversaries/ (docs/attacks.md lists them). A strategy without a scenario name (a
// config built in code) gets the keys of a mining group.
void WriteAdversary(results::JsonWriter& w, const sim::GroupReport& g) {
  w.Key("kind").String(g.adversary->kind);
  if (const adversaries::Writer write = adversaries::FindWriter(g.adversary->kind)) {
    write(w, g);
  } else {
    adversaries::WriteMinerKeys(w, g);
  }
}

void WriteTransactions(results::JsonWriter& w, const sim::SimReport& r) {
  if (!r.tx_workload) {
    w.Null();
    return;
  }
  using namespace results::summary;
  w.BeginObject();
  w.Key(kCreated).UInt(r.txs_created);
  w.Key("confirmed").UInt(r.txs_confirmed);
  w.Key(kClasses).BeginObject();
  for (const auto& c : r.tx_classes) {
    w.Key(c.name).BeginObject();
    w.Key(kCreated).UInt(c.created);
    w.Key("included").UInt(c.included);
    w.Key(kIncludedShare).Double(c.included_share);
    w.Key("never_included_share").Double(c.included_share ? std::optional<double>(1 - *c.included_share)
                                                          : std::nullopt);
    w.Key("reach_50_s");
    WriteDistribution(w, c.reach_50_s);
    w.Key("reach_90_s");
    WriteDistribution(w, c.reach_90_s);
    w.Key(kInclusionDelayS);
    WriteDistribution(w, c.inclusion_delay_s);
    w.Key(kInclusionDelayBlocks);
    WriteDistribution(w, c.inclusion_delay_blocks);
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();
}

}  // namespace

std::string SummaryJson(const Scenario& scenario, const sim::SimReport& r) {
  results::SummaryWriter summary({.scenario = scenario.name,
                                  .seed = scenario.sim.seed,
                                  .backend = sim::BackendName(scenario.sim.backend),
                                  .nodes = r.nodes,
                                  .sim_time_s = ToSeconds(r.sim_time),
                                  .blocks_mined = r.blocks_mined,
                                  .blocks_main = r.blocks_main,
                                  .blocks_stale = r.blocks_stale,
                                  .stale_rate = r.stale_rate,
                                  .main_tip_height = r.main_tip_height,
                                  .propagation_p50_s = r.propagation_p50_s,
                                  .propagation_p90_s = r.propagation_p90_s,
                                  .propagation_p99_s = r.propagation_p99_s});
  using namespace results::summary;
  results::JsonWriter& w = summary.json();
  summary.Section(kReorgs).BeginObject();
  w.Key("count").UInt(r.reorgs);
  w.Key("max_depth").UInt(r.max_reorg_depth);
  w.Key("depth_histogram");
  detail::WriteReorgDepthHistogram(w, r);
  w.EndObject();
  summary.Section(kPeers).BeginObject();
  w.Key("disconnects").UInt(r.disconnects);
  w.Key("punishments").UInt(r.punishments);
  w.Key("evictions").UInt(r.evictions);
  w.Key("connection_attempts").UInt(r.connection_attempts);
  w.Key("failed_connections").UInt(r.failed_connections);
  w.Key("feelers").UInt(r.feelers);
  w.EndObject();
  summary.Section(kPartitions);
  detail::WritePartitions(w, r);
  std::vector<results::SummaryGroup> groups;
  groups.reserve(r.groups.size());
  for (const auto& g : r.groups) {
    groups.push_back({g.name, g.hashrate, g.nodes, g.blocks_mined, g.blocks_main, g.revenue_share});
  }
  summary.Groups(groups);
  summary.Section(kTransactions);
  WriteTransactions(w, r);
  summary.Section(kChainQuality).Double(r.chain_quality);
  summary.Section(kChurn);
  WriteChurn(w, r.churn);
  summary.Section(kAdversaries).BeginObject();
  for (const auto& g : r.groups) {
    if (!g.adversary) continue;
    w.Key(g.name).BeginObject();
    WriteAdversary(w, g);
    w.EndObject();
  }
  w.EndObject();
  if (r.network_faults) WriteMessageFaults(summary.Extension(kNetworkFaults), *r.network_faults);
  return summary.Finish();
}

std::string BlocksCsv(const Scenario& scenario, const sim::SimReport& r) {
  results::Table<results::BlockRow> table;
  for (const auto& b : r.blocks) {
    table.Add({.id = b.id_hex,
               .height = b.height,
               .parent = b.parent_hex,
               .miner_group = scenario.sim.groups[b.miner_group].name,
               .miner_node = b.miner_node,
               .mined_at_s = ToSeconds(b.found_at),
               .main_chain = b.main_chain,
               .size_bytes = b.size_bytes,
               .reach_s = b.reach_s,
               .partition_side = b.partition_side});
  }
  return table.text();
}

// reach.csv: blocks numbered by their row in blocks.csv (SimReport::blocks holds handles 1..n
// in mining order), rows by block, then time, then node.
std::string ReachCsv(const sim::SimReport& r) {
  std::vector<sim::BlockArrival> arrivals = r.block_arrivals;
  std::sort(arrivals.begin(), arrivals.end(),
            [](const sim::BlockArrival& a, const sim::BlockArrival& b) {
              if (a.block != b.block) return a.block < b.block;
              if (a.at != b.at) return a.at < b.at;
              return a.node < b.node;
            });
  results::Table<results::ReachRow> table;
  for (const sim::BlockArrival& a : arrivals) {
    if (a.block == 0) continue;  // genesis: every node starts with it
    const sim::BlockRow& block = r.blocks[a.block - 1];
    PEERLAB_ASSERT(block.handle == a.block);
    table.Add({.block = a.block - 1,
               .node = a.node,
               .after_us = (a.at - block.found_at) / 1000});
  }
  return table.text();
}

std::string TransactionsCsv(const Scenario& scenario, const sim::SimReport& r) {
  results::Table<results::TransactionRow> table;
  for (const auto& t : r.txs) {
    table.Add({.id = t.id_hex,
               .tx_class = scenario.sim.transactions.classes[t.tx_class].name,
               .origin_node = t.origin,
               .created_at_s = ToSeconds(t.created_at),
               .size_bytes = t.size_bytes,
               .fee_sat = t.fee_sat,
               .reach_50_s = t.reach_50_s,
               .reach_90_s = t.reach_90_s,
               .included_height = t.included_height,
               .inclusion_delay_s = t.inclusion_delay_s,
               .inclusion_delay_blocks = t.inclusion_delay_blocks});
  }
  return table.text();
}

void WriteChurn(results::JsonWriter& w, const std::optional<sim::ChurnReport>& churn) {
  if (!churn) {
    w.Null();
    return;
  }
  w.BeginObject();
  w.Key("nodes").UInt(churn->nodes);
  w.Key("departures").UInt(churn->departures);
  w.Key("arrivals").UInt(churn->arrivals);
  w.Key("link_failures").UInt(churn->link_failures);
  w.Key("offline_at_end").UInt(churn->offline_at_end);
  w.EndObject();
}

void WriteMessageFaults(results::JsonWriter& w, const sim::MessageFaultReport& faults) {
  w.BeginObject();
  w.Key("dropped").UInt(faults.dropped);
  w.Key("duplicated").UInt(faults.duplicated);
  w.Key("delayed").UInt(faults.delayed);
  w.EndObject();
}

void WriteRunTimes(results::JsonWriter& w, std::uint64_t events, double wall_s,
                   double peak_rss_mb, std::uint32_t threads, std::uint32_t shards) {
  w.Key("threads").UInt(threads);
  w.Key("shards").UInt(shards);
  w.Key("wall_s").Double(wall_s);
  w.Key("events_per_s").Double(wall_s > 0 ? static_cast<double>(events) / wall_s : 0.0);
  w.Key("peak_rss_mb").Double(peak_rss_mb);
}

void BeginManifest(results::JsonWriter& w, const Scenario& scenario, const sim::NetworkSpec& spec,
                   std::uint64_t events, double wall_s) {
  w.BeginObject();
  results::WriteManifestHead(w, {.scenario_file = scenario.file,
                                 .scenario_text = scenario.text,
                                 .seed = spec.seed,
                                 .overrides = scenario.overrides,
                                 .backend = sim::BackendName(spec.backend),
                                 .resolved_json = scenario.resolved_json,
                                 .wall_s = wall_s});
  w.Key("perf").BeginObject();
  w.Key("events").UInt(events);
}

std::string RunManifestJson(const Scenario& scenario, const sim::SimReport& r, double wall_s,
                            double peak_rss_mb) {
  results::JsonWriter w;
  BeginManifest(w, scenario, scenario.sim, r.events, wall_s);
  if (scenario.sim.backend == sim::Backend::kNs3) w.Key("ns3_events").UInt(r.network_events);
  for (const auto& [name, value] : r.network_counters) w.Key(name).UInt(value);
  WriteRunTimes(w, r.events, wall_s, peak_rss_mb, r.threads, r.shards);
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
  const bool want_reach =
      std::find(scenario.outputs.begin(), scenario.outputs.end(), "reach") != scenario.outputs.end();
  if (want_reach) simulation.RecordBlockArrivals();
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
  outcome.manifest_json = RunManifestJson(scenario, outcome.report, outcome.wall_s,
                                          outcome.peak_rss_mb);
  if (!dir) return outcome;
  // reach.csv numbers blocks by their row in blocks.csv, so it brings blocks.csv along.
  const bool want_blocks =
      std::find(scenario.outputs.begin(), scenario.outputs.end(), "blocks") !=
          scenario.outputs.end() ||
      want_reach;
  Status s = dir->Write(results::summary::kFile, outcome.summary_json);
  if (s.ok() && want_blocks) {
    s = dir->Write(results::BlockRow::kFile, BlocksCsv(scenario, outcome.report));
  }
  if (s.ok() && want_reach) s = dir->Write(results::ReachRow::kFile, ReachCsv(outcome.report));
  const bool want_transactions =
      std::find(scenario.outputs.begin(), scenario.outputs.end(), "transactions") !=
      scenario.outputs.end();
  if (s.ok() && want_transactions) {
    s = dir->Write(results::TransactionRow::kFile, TransactionsCsv(scenario, outcome.report));
  }
  const bool want_graphml =
      std::find(scenario.outputs.begin(), scenario.outputs.end(), "graphml") !=
      scenario.outputs.end();
  const sim::SimReport& r = outcome.report;
  if (s.ok()) s = dir->Write(results::EdgeRow::kFile, EdgesCsv(r.final_edges));
  if (s.ok()) s = dir->Write(results::NodeRow::kFile, NodesCsv(scenario, r));
  if (s.ok() && want_graphml) s = dir->Write("topology.graphml", GraphMl(scenario, r, r.final_edges));
  for (const sim::TopologySnapshot& snap : r.snapshots) {
    if (s.ok()) s = dir->Write(SnapshotName(snap.at, "edges", ".csv"), EdgesCsv(snap.edges));
    if (s.ok() && want_graphml) {
      s = dir->Write(SnapshotName(snap.at, "topology", ".graphml"), GraphMl(scenario, r, snap.edges));
    }
  }
  if (s.ok()) {
    s = dir->Write(results::kManifestFile, outcome.manifest_json);
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
  if (scenario.protocol == "tendermint") {
    try {
      return RunTendermint(scenario, options);
    } catch (const std::bad_alloc&) {
    } catch (const std::length_error&) {
    }
    return Status::Error(scenario.file + ": out of memory (peak RSS " +
                         sim::FormatBytes(PeakRssMb() * 1024 * 1024) +
                         "); run with fewer nodes or heights");
  }
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

}  // namespace peerlab::runner
