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
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "peerlab/results/json.hpp"
#include "peerlab/results/summary.hpp"
#include "peerlab/results/table_reader.hpp"
#include "peerlab/results/tables.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/bitcoin/sim/report.hpp"
#include "peerlab/util/input_file.hpp"
#include "peerlab/util/json.hpp"
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
  std::vector<std::pair<double, std::uint32_t>> accepted_by;  // (accepted_unix_s, node)
};

// The largest daemon table read (a day of blocks at one per second is a few MB).
constexpr std::uint64_t kMaxTableBytes = std::uint64_t{1} << 30;

// Reads one daemon's blocks.csv (results::DaemonBlockRow) into `blocks`.
Status ReadBlocks(const std::string& path, std::uint32_t node, std::map<std::string, BlockSeen>& blocks) {
  using Row = results::DaemonBlockRow;
  auto text = ReadInputFile(path, kMaxTableBytes);
  if (!text.ok()) return Status::Error(path + ": cannot read");
  // Checked against the schema at compile time.
  static constexpr std::size_t kId = results::ColumnIndex(Row::kColumns, "id");
  static constexpr std::size_t kHeight = results::ColumnIndex(Row::kColumns, "height");
  static constexpr std::size_t kParent = results::ColumnIndex(Row::kColumns, "parent");
  static constexpr std::size_t kMiner = results::ColumnIndex(Row::kColumns, "miner");
  static constexpr std::size_t kUnix = results::ColumnIndex(Row::kColumns, "accepted_unix_s");
  static constexpr std::size_t kSize = results::ColumnIndex(Row::kColumns, "size_bytes");
  results::CsvReader table(*text, path, Row::kColumns);
  while (table.Next()) {
    try {
      BlockSeen& b = blocks[std::string(table[kId])];
      b.height = static_cast<std::uint32_t>(std::stoul(std::string(table[kHeight])));
      b.parent = std::string(table[kParent]);
      const double unix_s = std::stod(std::string(table[kUnix]));
      b.accepted_unix.push_back(unix_s);
      b.accepted_by.emplace_back(unix_s, node);
      b.size_bytes = std::stoull(std::string(table[kSize]));
      if (table[kMiner] == Row::kSelf) {
        b.miner = node;
        b.mined_unix = unix_s;
      }
    } catch (const std::exception&) {
      return Status::Error(table.Where() + "unreadable row");
    }
  }
  return table.status();
}

std::optional<double> Median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2.0;
}

}  // namespace

NodeStatus ReadStatus(const std::string& datadir) {
  NodeStatus st;
  try {
    // Not written yet (the daemon is starting) or gone: reported as unknown.
    const auto text = ReadInputFile(datadir + "/status.json", kMaxTableBytes);
    if (!text.ok()) return st;
    const auto doc = ParseJson(*text);
    if (!doc.ok()) return st;
    st.tip_height = doc->at("tip").at("height").get<std::uint64_t>();
    st.tip_id = doc->at("tip").at("id").get<std::string>();
    st.blocks_mined = doc->at("blocks_mined").get<std::uint64_t>();
    for (const auto& peer : doc->at("peers")) {
      if (peer.at("handshake").get<std::string>() == "established") ++st.established;
    }
    st.ok = true;
  } catch (const Json::exception&) {
    // A status.json without these fields (another program's?): unknown as well.
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
    const std::string table = plan[i].datadir + "/" + std::string(results::DaemonBlockRow::kFile);
    if (Status st = ReadBlocks(table, i, blocks); !st.ok()) {
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
  results::Table<results::BlockRow> blocks_table;
  // outputs: [..., reach]: each daemon's acceptance of each block whose miner is known, blocks
  // numbered by their row in blocks.csv (as the simulated runs' reach.csv).
  const bool want_reach =
      std::find(s.outputs.begin(), s.outputs.end(), "reach") != s.outputs.end();
  results::Table<results::ReachRow> reach_table;
  std::uint32_t block_row = 0;
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
    results::BlockRow row;
    row.id = id;
    row.height = b.height;
    row.parent = b.parent;
    if (b.miner) {
      row.miner_group = s.sim.groups[plan[*b.miner].group].name;
      row.miner_node = *b.miner;
      row.mined_at_s = *b.mined_unix - info.unix_start;
    }  // else the miner's table is missing (it crashed): mined by someone unknown
    row.main_chain = main;
    row.size_bytes = b.size_bytes;
    row.reach_s = reach;
    blocks_table.Add(row);
    if (want_reach && b.mined_unix) {
      std::sort(b.accepted_by.begin(), b.accepted_by.end());
      for (const auto& [unix_s, node] : b.accepted_by) {
        const double after_s = std::max(0.0, unix_s - *b.mined_unix);
        reach_table.Add({.block = block_row,
                         .node = node,
                         .after_us = static_cast<std::int64_t>(std::llround(after_s * 1e6))});
      }
    }
    ++block_row;
  }
  const std::uint64_t stale = mined - std::min(mined, main_count);

  results::SummaryWriter summary_writer(
      {.scenario = s.name,
       .seed = s.sim.seed,
       .backend = "testbed",
       .nodes = n,
       .sim_time_s = info.elapsed_s,  // wall-clock seconds the daemons ran
       .blocks_mined = mined,
       .blocks_main = main_count,
       .blocks_stale = stale,
       .stale_rate = mined > 0 ? std::optional<double>(static_cast<double>(stale) / mined)
                               : std::nullopt,
       .main_tip_height = main_height,
       .propagation_p50_s = Median(samples[0]),
       .propagation_p90_s = Median(samples[1]),
       .propagation_p99_s = Median(samples[2])});
  using namespace results::summary;
  // Not observed from outside the daemons (yet): null, not zero.
  summary_writer.Section(kReorgs).Null();
  summary_writer.Section(kPeers).Null();
  summary_writer.Section(kPartitions).BeginArray().EndArray();
  std::vector<results::SummaryGroup> groups;
  for (std::size_t g = 0; g < s.sim.groups.size(); ++g) {
    std::uint32_t nodes = 0;
    for (const NodePlan& p : plan) nodes += p.group == g ? 1 : 0;
    groups.push_back({.name = s.sim.groups[g].name,
                      .hashrate = s.sim.groups[g].hashrate,
                      .nodes = nodes,
                      .blocks_mined = group_mined[g],
                      .blocks_main = group_main[g],
                      .revenue_share = main_count > 0 ? std::optional<double>(
                                                            static_cast<double>(group_main[g]) / main_count)
                                                      : std::nullopt});
  }
  summary_writer.Groups(groups);
  summary_writer.Section(kTransactions).Null();
  summary_writer.Section(kChainQuality).Double(main_count > 0 ? std::optional<double>(1.0) : std::nullopt);
  summary_writer.Section(kChurn).Null();
  summary_writer.Section(kAdversaries).BeginObject().EndObject();
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
  write_testbed(summary_writer.Extension(kTestbed));
  *summary = summary_writer.Finish();

  std::vector<sim::EdgeRow> edges;
  for (std::uint32_t i = 0; i < n; ++i) {
    for (std::uint32_t to : plan[i].connect) {
      const auto& bro = plan[i].connect_block_relay;
      const bool blocks_only = std::find(bro.begin(), bro.end(), to) != bro.end();
      edges.push_back({i, to, blocks_only ? sim::kBlockRelayOnlyClass : std::uint8_t{0}, false});
    }
  }
  results::Table<results::TestbedNodeRow> nodes;
  for (std::uint32_t i = 0; i < n; ++i) {
    const NodePlan& p = plan[i];
    const NodeOutcome& o = outcomes[i];
    const std::string address = std::to_string(p.ip >> 24) + "." +
                                std::to_string((p.ip >> 16) & 255) + "." +
                                std::to_string((p.ip >> 8) & 255) + "." +
                                std::to_string(p.ip & 255) + ":" + std::to_string(p.port);
    const std::string exit = o.signal != 0 ? "signal " + std::to_string(o.signal)
                             : o.exited    ? std::to_string(o.exit_code)
                                           : std::string("?");
    nodes.Add({.node = {.node = i,
                        .region = s.sim.regions.names[p.region],
                        .as = p.as,
                        .group = s.sim.groups[p.group].name,
                        .hashrate = p.hashrate,
                        .online = !o.crashed},  // online to the end
               .address = address,
               .mine_mean_s = p.mine_mean_s > 0 ? std::optional<double>(p.mine_mean_s) : std::nullopt,
               .tip_height = tips[i].ok ? std::optional<std::uint32_t>(
                                              static_cast<std::uint32_t>(tips[i].tip_height))
                                        : std::nullopt,
               .exit = exit});
  }

  results::JsonWriter m;
  m.BeginObject();
  results::WriteManifestHead(m, {.scenario_file = s.file,
                                 .scenario_text = s.text,
                                 .seed = s.sim.seed,
                                 .overrides = s.overrides,
                                 .backend = "testbed",
                                 .resolved_json = s.resolved_json,
                                 .wall_s = info.elapsed_s});
  m.Key("peerlabd").String(info.peerlabd);
  m.Key(kTestbed);
  write_testbed(m);
  m.EndObject();

  Status st = dir.Write(kFile, *summary);
  if (st.ok()) st = dir.Write(results::BlockRow::kFile, blocks_table.text());
  if (st.ok() && want_reach) st = dir.Write(results::ReachRow::kFile, reach_table.text());
  if (st.ok()) st = dir.Write(results::EdgeRow::kFile, runner::EdgesCsv(edges));
  if (st.ok()) st = dir.Write(results::TestbedNodeRow::kFile, nodes.text());
  if (st.ok()) st = dir.Write(results::kManifestFile, m.Finish());
  return st;
}

}  // namespace peerlab::apps::testbed
