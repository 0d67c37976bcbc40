// Running a protocol.kind tendermint scenario: build the family's simulation, run it, write
// summary.json (its `consensus` section, design §6), heights.csv and run.json.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "peerlab/results/json.hpp"
#include "peerlab/results/run_directory.hpp"
#include "peerlab/results/summary.hpp"
#include "peerlab/results/tables.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/tendermint/sim/simulation.hpp"
#include "peerlab/util/assert.hpp"
#ifdef PEERLAB_HAVE_NS3
#include "peerlab/ns3/ns3_transport.hpp"
#endif

namespace peerlab::runner {
namespace {

double Seconds(DurationNs d) { return static_cast<double>(d) / 1e9; }

}  // namespace

std::string TendermintSummaryJson(const Scenario& scenario, const tendermint::RunReport& r,
                                  std::uint32_t validators) {
  results::JsonWriter w;
  w.BeginObject();
  w.Key("scenario").String(scenario.name);
  w.Key("seed").UInt(scenario.tendermint.seed);
  w.Key("backend").String(sim::BackendName(scenario.tendermint.backend));
  w.Key("protocol").String("tendermint");
  w.Key("nodes").UInt(scenario.tendermint.nodes);
  w.Key("sim_time_s").Double(Seconds(r.end_time));
  w.Key("consensus").BeginObject();
  w.Key("validators").UInt(validators);
  w.Key("heights_committed").Int(r.heights_committed);
  w.Key("max_height").Int(r.max_height_committed);
  w.Key("commit_latency_s").BeginObject();
  w.Key("p50").Double(r.latency_p50_s);
  w.Key("p90").Double(r.latency_p90_s);
  w.Key("p99").Double(r.latency_p99_s);
  w.EndObject();
  w.Key("rounds_per_height").BeginObject();
  w.Key("mean").Double(r.heights.empty() ? std::optional<double>{} : r.rounds_mean);
  w.Key("max").Int(r.rounds_max);
  w.EndObject();
  w.Key("timeouts").BeginObject();
  w.Key("propose").UInt(r.timeouts_propose);
  w.Key("prevote").UInt(r.timeouts_prevote);
  w.Key("precommit").UInt(r.timeouts_precommit);
  w.EndObject();
  w.Key("equivocations").BeginObject();
  w.Key("detected").UInt(r.equivocations_detected);
  w.Key("committed").UInt(r.equivocations_committed);
  w.EndObject();
  w.Key("per_node_per_height").BeginObject();
  w.Key("messages").Double(r.messages_per_node_height);
  w.Key("bytes").Double(r.bytes_per_node_height);
  w.EndObject();
  std::uint64_t txs = 0;
  for (const tendermint::HeightRow& h : r.heights) txs += h.txs;
  w.Key("transactions_committed").UInt(txs);
  w.Key("safety_violation");
  if (r.safety_violation.empty()) {
    w.Null();
  } else {
    w.String(r.safety_violation);
  }
  w.EndObject();
  w.EndObject();
  return w.Finish();
}

std::string HeightsCsv(const tendermint::RunReport& r) {
  std::string out =
      "height,round,proposer,proposed_s,first_commit_s,to_50_s,to_90_s,to_99_s,to_all_s,"
      "committed_by,txs,evidence,bytes\n";
  char line[384];
  auto s = [](DurationNs d, char* buf, std::size_t n) {
    if (d < 0) {
      buf[0] = '\0';
    } else {
      std::snprintf(buf, n, "%.9g", static_cast<double>(d) / 1e9);
    }
    return buf;
  };
  for (const tendermint::HeightRow& h : r.heights) {
    char a[32], b[32], c[32], d[32], e[32], f[32];
    std::snprintf(line, sizeof line, "%lld,%d,%d,%s,%s,%s,%s,%s,%s,%u,%u,%u,%u\n",
                  static_cast<long long>(h.height), h.round, h.proposer,
                  s(h.proposed_at, a, sizeof a), s(h.first_commit_at, b, sizeof b),
                  s(h.to_50, c, sizeof c), s(h.to_90, d, sizeof d), s(h.to_99, e, sizeof e),
                  s(h.to_all, f, sizeof f), h.committed_by, h.txs, h.evidence, h.bytes);
    out += line;
  }
  return out;
}

std::string TendermintManifestJson(const Scenario& scenario, const tendermint::RunReport& r,
                                   double wall_s, double peak_rss_mb) {
  results::JsonWriter w;
  BeginManifest(w, scenario, scenario.tendermint, r.events, wall_s);
  WriteRunTimes(w, r.events, wall_s, peak_rss_mb);
  w.Key("messages").UInt(r.messages);
  w.Key("connection_flushes").UInt(r.batches);
  w.Key("wire_bytes").UInt(r.wire_bytes);
  w.EndObject();
  w.EndObject();
  return w.Finish();
}

Result<RunOutcome> RunTendermint(const Scenario& scenario, const RunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<sim::Transport> transport;
#ifdef PEERLAB_HAVE_NS3
  if (scenario.tendermint.backend == sim::Backend::kNs3) {
    transport = ns3net::MakeNs3Transport(scenario.tendermint);
  }
#endif
  PEERLAB_ASSERT((scenario.tendermint.backend == sim::Backend::kNs3) == (transport != nullptr));
  auto built = tendermint::Simulation::Build(scenario.tendermint, std::move(transport));
  if (!built.ok()) return Status::Error(scenario.file + ": " + built.status().message());
  tendermint::Simulation& simulation = **built;
  std::optional<results::RunDirectory> dir;
  if (!options.out_dir.empty()) {
    auto opened = results::RunDirectory::Open(options.out_dir, options.replace);
    if (!opened.ok()) return opened.status();
    dir.emplace(std::move(opened).value());
  }
  const Status safety = simulation.Run(options.progress);
  const tendermint::RunReport& r = simulation.report();
  RunOutcome outcome;
  outcome.protocol = "tendermint";
  outcome.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  outcome.peak_rss_mb = PeakRssMb();
  std::uint32_t validators = 0;
  for (std::uint32_t i = 0; i < simulation.node_count(); ++i) {
    validators += simulation.node(i).consensus().validators().Size() > 0 &&
                  simulation.node(i).consensus().IsValidator();
  }
  outcome.summary_json = TendermintSummaryJson(scenario, r, validators);
  outcome.manifest_json = TendermintManifestJson(scenario, r, outcome.wall_s, outcome.peak_rss_mb);
  if (!safety.ok()) {
    // A broken agreement is a finding, not a crash: the run is written, and the caller exits
    // non-zero with the seed and height.
    outcome.safety = Status::Error("seed=" + std::to_string(scenario.tendermint.seed) +
                                   " scenario=" + scenario.file + ": " + safety.message());
  }
  if (!dir) return outcome;
  Status s = dir->Write(results::summary::kFile, outcome.summary_json);
  // `blocks` (the default) and `heights` both ask for the per-height table.
  auto wants = [&](std::string_view name) {
    return std::find(scenario.outputs.begin(), scenario.outputs.end(), name) !=
           scenario.outputs.end();
  };
  const bool want_heights = wants("heights") || wants("blocks");
  if (s.ok() && want_heights) s = dir->Write("heights.csv", HeightsCsv(r));
  // The connection graph at the end, as for Bitcoin runs (`peerlab analyze` reads it).
  if (s.ok()) s = dir->Write(results::EdgeRow::kFile, EdgesCsv(simulation.engine().OpenEdges()));
  if (s.ok()) s = dir->Write(results::kManifestFile, outcome.manifest_json);
  if (!s.ok()) {
    dir->Abandon();
    return s;
  }
  s = dir->Commit();
  if (!s.ok()) return s;
  return outcome;
}

}  // namespace peerlab::runner
