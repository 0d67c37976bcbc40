// The results of `peerlab testbed`: the daemons' blocks.csv tables joined on block id and
// turned into the same summary.json contract as a simulated run (design §6), computed the way
// sim/src/report.cpp does: a block reaches XX % of nodes when the ceil(XX % * n)-th node
// (the miner counts) has accepted it; propagation_s.pNN is the median over blocks of that
// time; the main chain ends at the highest tip any node holds (ties: more holders, then the
// block mined first); stale = mined - on the main chain.
//
// Times: a block's mining instant is the miner's own accept row (peerlabd accepts its own
// block as it mines it); other nodes' accept rows carry the wall clock (accepted_unix_s), so
// all nodes are compared on one clock (same host).
#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "peerlab/results/csv.hpp"
#include "peerlab/results/json.hpp"
#include "peerlab/scenario/run.hpp"
#include "peerlab/bitcoin/sim/report.hpp"
#include "peerlab/util/hash.hpp"
#include "peerlab/util/version.hpp"
#include "testbed_cmd.hpp"

namespace peerlab::apps::testbed {
namespace {

struct BlockSeen {
  std::string parent;
  std::uint32_t height = 0;
  std::uint64_t size_bytes = 0;
  std::optional<std::uint32_t> miner;   // node whose row says "self"
  std::optional<double> mined_unix;     // that row's accepted_unix_s
  std::vector<double> accepted_unix;    // one per node that accepted it
};

std::vector<std::string> SplitCsvLine(const std::string& line) {
  // peerlabd's tables hold hex ids, numbers and fixed words: no quoting to undo.
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

// Reads one daemon's blocks.csv into `blocks` (columns: docs/testbed.md "Tables").
Status ReadBlocks(const std::string& path, std::uint32_t node, std::map<std::string, BlockSeen>& blocks) {
  std::ifstream in(path);
  if (!in) return Status::Error(path + ": cannot read");
  std::string line;
  std::getline(in, line);  // header
  std::size_t row = 1;
  while (std::getline(in, line)) {
    ++row;
    if (line.empty()) continue;
    const std::vector<std::string> f = SplitCsvLine(line);
    if (f.size() < 8) return Status::Error(path + ":" + std::to_string(row) + ": expected 8 columns");
    try {
      BlockSeen& b = blocks[f[0]];
      b.height = static_cast<std::uint32_t>(std::stoul(f[1]));
      b.parent = f[2];
      const double unix_s = std::stod(f[6]);
      b.accepted_unix.push_back(unix_s);
      b.size_bytes = std::stoull(f[7]);
      if (f[3] == "self") {
        b.miner = node;
        b.mined_unix = unix_s;
      }
    } catch (const std::exception&) {
      return Status::Error(path + ":" + std::to_string(row) + ": unreadable row");
    }
  }
  return Status::Ok();
}

std::optional<double> Median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2.0;
}

std::string Sha256Hex(const std::string& text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  return Sha256({bytes, text.size()}).ToDigestHex();
}

}  // namespace

NodeStatus ReadStatus(const std::string& datadir) {
  NodeStatus st;
  try {
    const YAML::Node doc = YAML::LoadFile(datadir + "/status.json");
    st.tip_height = doc["tip"]["height"].as<std::uint64_t>();
    st.tip_id = doc["tip"]["id"].as<std::string>();
    st.blocks_mined = doc["blocks_mined"].as<std::uint64_t>();
    for (const auto& peer : doc["peers"]) {
      if (peer["handshake"].as<std::string>() == "established") ++st.established;
    }
    st.ok = true;
  } catch (const std::exception&) {
    // Not written yet (the daemon is starting) or gone: reported as unknown.
  }
  return st;
}

Status WriteResults(const scenario::Scenario& s, const std::vector<NodePlan>& plan,
                    const std::vector<NodeOutcome>& outcomes, const RunInfo& info,
                    results::RunDirectory& dir, std::string* summary) {
  const auto n = static_cast<std::uint32_t>(plan.size());
  std::map<std::string, BlockSeen> blocks;
  std::vector<std::string> unreadable;
  for (std::uint32_t i = 0; i < n; ++i) {
    // A daemon that died before writing its table still leaves the others' worth reporting.
    if (Status st = ReadBlocks(plan[i].datadir + "/blocks.csv", i, blocks); !st.ok()) {
      unreadable.push_back(st.message());
    }
  }
  std::vector<NodeStatus> tips(n);
  for (std::uint32_t i = 0; i < n; ++i) tips[i] = ReadStatus(plan[i].datadir);

  // The main chain (as sim/src/report.cpp: equal difficulty, so most work = greatest height).
  std::map<std::string, std::uint32_t> holders;
  for (const NodeStatus& t : tips) {
    if (t.ok) ++holders[t.tip_id];
  }
  std::string main_tip;
  std::uint32_t main_height = 0;
  double main_mined = 0;
  for (const auto& [id, count] : holders) {
    const auto it = blocks.find(id);
    const std::uint32_t height = it != blocks.end() ? it->second.height : 0;
    const double mined = it != blocks.end() && it->second.mined_unix ? *it->second.mined_unix : 0;
    const bool better = main_tip.empty() || height > main_height ||
                        (height == main_height && count > holders[main_tip]) ||
                        (height == main_height && count == holders[main_tip] && mined < main_mined);
    if (better) {
      main_tip = id;
      main_height = height;
      main_mined = mined;
    }
  }
  std::map<std::string, bool> on_main;
  for (std::string id = main_tip; blocks.count(id) != 0 && !on_main[id]; id = blocks[id].parent) {
    on_main[id] = true;
  }

  // Per block, in mining order: reach times and the group tallies.
  std::vector<std::pair<double, std::string>> order;
  for (const auto& [id, b] : blocks) {
    order.emplace_back(b.mined_unix.value_or(b.accepted_unix.empty() ? 0 : *std::min_element(
                                                 b.accepted_unix.begin(), b.accepted_unix.end())),
                       id);
  }
  std::sort(order.begin(), order.end());
  std::array<std::uint32_t, sim::kReachShares.size()> targets{};
  for (std::size_t k = 0; k < targets.size(); ++k) {
    targets[k] = static_cast<std::uint32_t>(std::ceil(sim::kReachShares[k] * n - 1e-9));
  }
  std::array<std::vector<double>, 3> samples;
  std::uint64_t mined = 0, main_count = 0;
  std::vector<std::uint64_t> group_mined(s.sim.groups.size(), 0), group_main(s.sim.groups.size(), 0);
  results::CsvWriter csv({"id", "height", "parent", "miner_group", "miner_node", "mined_at_s",
                          "main_chain", "size_bytes", "reach_50_s", "reach_90_s", "reach_99_s",
                          "reach_100_s", "partition_side"});
  for (const auto& [first_seen, id] : order) {
    BlockSeen& b = blocks[id];
    const bool main = on_main.count(id) != 0;
    std::array<std::optional<double>, sim::kReachShares.size()> reach;
    if (b.miner) {
      ++mined;
      ++group_mined[plan[*b.miner].group];
      if (main) {
        ++main_count;
        ++group_main[plan[*b.miner].group];
      }
      std::sort(b.accepted_unix.begin(), b.accepted_unix.end());
      for (std::size_t k = 0; k < reach.size(); ++k) {
        if (targets[k] >= 1 && b.accepted_unix.size() >= targets[k]) {
          reach[k] = std::max(0.0, b.accepted_unix[targets[k] - 1] - *b.mined_unix);
          if (k < samples.size()) samples[k].push_back(*reach[k]);
        }
      }
    }
    csv.Field(id).Field(b.height).Field(b.parent);
    if (b.miner) {
      csv.Field(std::string_view(s.sim.groups[plan[*b.miner].group].name)).Field(*b.miner);
      csv.Field(*b.mined_unix - info.unix_start);
    } else {  // the miner's table is missing (it crashed): mined by someone unknown
      csv.Field(std::string_view()).Field(std::optional<std::uint32_t>()).Field(std::optional<double>());
    }
    csv.Field(main).Field(b.size_bytes);
    for (const auto& r : reach) csv.Field(r);
    csv.Field(std::optional<std::uint32_t>());
    csv.EndRow();
  }
  const std::uint64_t stale = mined - std::min(mined, main_count);

  results::JsonWriter w;
  w.BeginObject();
  w.Key("scenario").String(s.name);
  w.Key("seed").UInt(s.sim.seed);
  w.Key("backend").String("testbed");
  w.Key("nodes").UInt(n);
  w.Key("sim_time_s").Double(info.elapsed_s);  // wall-clock seconds the daemons ran
  w.Key("blocks").BeginObject();
  w.Key("mined").UInt(mined);
  w.Key("main_chain").UInt(main_count);
  w.Key("stale").UInt(stale);
  w.Key("stale_rate").Double(mined > 0 ? std::optional<double>(static_cast<double>(stale) / mined)
                                       : std::nullopt);
  w.Key("main_tip_height").UInt(main_height);
  w.EndObject();
  w.Key("propagation_s").BeginObject();
  w.Key("p50").Double(Median(samples[0]));
  w.Key("p90").Double(Median(samples[1]));
  w.Key("p99").Double(Median(samples[2]));
  w.EndObject();
  // Not observed from outside the daemons (yet): null, not zero.
  w.Key("reorgs").Null();
  w.Key("peers").Null();
  w.Key("partitions").BeginArray().EndArray();
  w.Key("groups").BeginObject();
  for (std::size_t g = 0; g < s.sim.groups.size(); ++g) {
    std::uint32_t nodes = 0;
    for (const NodePlan& p : plan) nodes += p.group == g ? 1 : 0;
    w.Key(s.sim.groups[g].name).BeginObject();
    w.Key("hashrate").Double(s.sim.groups[g].hashrate);
    w.Key("nodes").UInt(nodes);
    w.Key("blocks_mined").UInt(group_mined[g]);
    w.Key("blocks_main").UInt(group_main[g]);
    w.Key("revenue_share").Double(main_count > 0 ? std::optional<double>(
                                                       static_cast<double>(group_main[g]) / main_count)
                                                 : std::nullopt);
    w.EndObject();
  }
  w.EndObject();
  w.Key("transactions").Null();
  w.Key("chain_quality").Double(main_count > 0 ? std::optional<double>(1.0) : std::nullopt);
  w.Key("churn").Null();
  w.Key("adversaries").BeginObject().EndObject();
  // Testbed-only facts (an extension of the contract: simulated runs have no such key).
  auto write_testbed = [&](results::JsonWriter& j) {
    j.BeginObject();
    j.Key("mode").String(info.mode);
    j.Key("netem").String(info.netem_probe);
    j.Key("chain").String(info.chain);
    j.Key("duration_s").Double(info.duration_s);
    j.Key("elapsed_s").Double(info.elapsed_s);
    j.Key("mining_stop_s").Double(info.mining_stop_s);
    j.Key("stop_reason").String(info.stop_reason);
    j.Key("interrupted").Bool(info.interrupted);
    double lo = 0, hi = 0;
    bool any = false;
    for (const NodePlan& p : plan) {
      for (const auto& [peer, ms] : p.delays_ms) {
        lo = any ? std::min(lo, ms) : ms;
        hi = any ? std::max(hi, ms) : ms;
        any = true;
      }
    }
    j.Key("link_delay_ms").BeginObject();
    j.Key("min").Double(any ? std::optional<double>(lo) : std::nullopt);
    j.Key("max").Double(any ? std::optional<double>(hi) : std::nullopt);
    j.EndObject();
    std::uint32_t same_tip = 0;
    for (const NodeStatus& t : tips) same_tip += t.ok && t.tip_id == main_tip ? 1 : 0;
    j.Key("nodes_at_main_tip").UInt(same_tip);
    j.Key("crashes").BeginArray();
    for (const std::string& c : info.crashes) j.String(c);
    j.EndArray();
    j.Key("unreadable_tables").BeginArray();
    for (const std::string& u : unreadable) j.String(u);
    j.EndArray();
    j.EndObject();
  };
  w.Key("testbed");
  write_testbed(w);
  w.EndObject();
  *summary = w.Finish();

  std::vector<sim::EdgeRow> edges;
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t to : plan[i].connect) {
      const auto& bro = plan[i].connect_block_relay;
      const bool blocks_only = std::find(bro.begin(), bro.end(), to) != bro.end();
      edges.push_back({i, to, blocks_only ? sim::kBlockRelayOnlyClass : std::uint8_t{0}, false});
    }
  }
  // The simulator's nodes.csv columns first (design §6), then the testbed's own.
  results::CsvWriter nodes({"node", "region", "as", "group", "hashrate", "online", "address",
                            "mine_mean_s", "tip_height", "exit"});
  for (std::uint32_t i = 0; i < n; ++i) {
    const NodePlan& p = plan[i];
    const NodeOutcome& o = outcomes[i];
    nodes.Field(i).Field(std::string_view(s.sim.regions.names[p.region])).Field(p.as);
    nodes.Field(std::string_view(s.sim.groups[p.group].name)).Field(p.hashrate);
    nodes.Field(!o.crashed);  // online to the end
    nodes.Field(std::to_string(p.ip >> 24) + "." + std::to_string((p.ip >> 16) & 255) + "." +
                std::to_string((p.ip >> 8) & 255) + "." + std::to_string(p.ip & 255) + ":" +
                std::to_string(p.port));
    nodes.Field(p.mine_mean_s > 0 ? std::optional<double>(p.mine_mean_s) : std::nullopt);
    nodes.Field(tips[i].ok ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(tips[i].tip_height))
                         : std::nullopt);
    nodes.Field(o.signal != 0 ? "signal " + std::to_string(o.signal)
                              : o.exited ? std::to_string(o.exit_code) : std::string("?"));
    nodes.EndRow();
  }

  results::JsonWriter m;
  m.BeginObject();
  m.Key("peerlab_version").String(kVersion);
  m.Key("git_commit").String(kGitCommit);
  m.Key("scenario_file").String(s.file);
  m.Key("scenario_sha256").String(Sha256Hex(s.text));
  m.Key("seed").UInt(s.sim.seed);
  m.Key("overrides").BeginArray();
  for (const auto& o : s.overrides) m.String(o);
  m.EndArray();
  m.Key("backend").String("testbed");
  m.Key("resolved_scenario").Raw(s.resolved_json);
  m.Key("wall_s").Double(info.elapsed_s);
  m.Key("peerlabd").String(info.peerlabd);
  m.Key("testbed");
  write_testbed(m);
  m.EndObject();

  Status st = dir.Write("summary.json", *summary);
  if (st.ok()) st = dir.Write("blocks.csv", csv.text());
  if (st.ok()) st = dir.Write("edges.csv", scenario::EdgesCsv(edges));
  if (st.ok()) st = dir.Write("nodes.csv", nodes.text());
  if (st.ok()) st = dir.Write("run.json", m.Finish());
  return st;
}

}  // namespace peerlab::apps::testbed
