// The ns-3 backend end to end (only in builds with ns-3; without, `network.backend: ns3` is
// an error, tested in scenario_test.cpp): scenarios/default.yaml, made small, runs on ns-3 and
// gives byte-identical summary.json and blocks.csv for the same seed; run.json says ns3; no
// block stalls in TCP retransmission backoff (docs/ns3-reference.md, "Stuck connections");
// TCP windows restart after idle and grow only when used, as Linux's do ("Congestion
// window validation"); and a host's uplink is shared fairly among its connections, as Linux's
// default fq_codel queue disc shares it ("Host queueing").
#ifdef PEERLAB_HAVE_NS3
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "peerlab/ns3/packet_network.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/scenario/scenario.hpp"

namespace peerlab::scenario {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Scenario DefaultOnNs3() {
  const fs::path file = fs::path(PEERLAB_SOURCE_DIR) / "scenarios/default.yaml";
  auto s = ParseScenario(ReadFile(file), file.string(), file.parent_path().string(),
                         {"network.backend=ns3", "network.nodes=30", "stop.blocks=2",
                          "groups.pools.nodes=5"});
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(s).value();
}

TEST(Ns3Backend, DefaultScenarioIsDeterministic) {
  const Scenario scenario = DefaultOnNs3();
  std::string summary[2], blocks[2];
  for (int run = 0; run < 2; ++run) {
    const fs::path dir = fs::path(::testing::TempDir()) / ("peerlab_ns3_" + std::to_string(run));
    fs::remove_all(dir);
    runner::RunOptions options;
    options.out_dir = dir.string();
    auto outcome = runner::RunScenario(scenario, options);
    ASSERT_TRUE(outcome.ok()) << outcome.status().message();
    EXPECT_EQ(outcome->report.blocks_mined, 2u);
    EXPECT_GT(outcome->report.network_events, 0u);
    summary[run] = ReadFile(dir / "summary.json");
    blocks[run] = ReadFile(dir / "blocks.csv");
    const std::string manifest = ReadFile(dir / "run.json");
    EXPECT_NE(manifest.find("\"backend\": \"ns3\""), std::string::npos) << manifest.substr(0, 400);
    EXPECT_NE(manifest.find("\"ns3_events\": "), std::string::npos);
  }
  EXPECT_NE(summary[0].find("\"backend\": \"ns3\""), std::string::npos) << summary[0].substr(0, 200);
  EXPECT_EQ(summary[0], summary[1]);
  EXPECT_EQ(blocks[0], blocks[1]);
}

// Issue 20's criterion on a small case: every main-chain block reaches 99 % of the nodes
// within 3 times the time it took to reach 90 %. Before LinuxTcpSocket this case failed it
// (height 4: 99 % at 311.2 s against a p90 of 20.0 s; the last node at 365.4 s), because
// ns-3.37's stale timestamp echoes and its RTT sampling left connections in RTO backoff.
// About 13 s of CPU.
TEST(Ns3Backend, NoBlockStallsInRetransmissionBackoff) {
  const fs::path file = fs::path(PEERLAB_SOURCE_DIR) / "scenarios/default.yaml";
  auto scenario = ParseScenario(ReadFile(file), file.string(), file.parent_path().string(),
                                {"network.backend=ns3", "network.nodes=100",
                                 "protocol.relay=legacy", "stop.blocks=6"});
  ASSERT_TRUE(scenario.ok()) << scenario.status().message();
  // Per process: two test runs at once (another checkout) must not share the directory.
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("peerlab_ns3_stalls_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  runner::RunOptions options;
  options.out_dir = dir.string();
  auto outcome = runner::RunScenario(*scenario, options);
  ASSERT_TRUE(outcome.ok()) << outcome.status().message();
  // blocks.csv: id,height,parent,miner_group,miner_node,mined_at_s,main_chain,size_bytes,
  // reach_50_s,reach_90_s,reach_99_s,reach_100_s,partition_side
  std::istringstream csv(ReadFile(dir / "blocks.csv"));
  std::string line;
  std::getline(csv, line);
  ASSERT_EQ(line.rfind("id,height,parent,miner_group,miner_node,mined_at_s,main_chain,size_bytes,"
                       "reach_50_s,reach_90_s,reach_99_s,reach_100_s", 0), 0u) << line;
  int checked = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, ',');) f.push_back(cell);
    ASSERT_GE(f.size(), 12u) << line;
    if (f[6] != "true") continue;
    ASSERT_FALSE(f[9].empty()) << "main-chain block never reached 90 %: " << line;
    ASSERT_FALSE(f[10].empty()) << "main-chain block never reached 99 %: " << line;
    const double p90 = std::stod(f[9]), p99 = std::stod(f[10]);
    EXPECT_LE(p99, 3 * p90) << "height " << f[1] << " stalled: " << line;
    ++checked;
  }
  EXPECT_GE(checked, 4) << "too few main-chain blocks to check";
  fs::remove_all(dir);
}

// One connection between two hosts 50 ms apart (100 ms round trip) on 100 Mbit/s links. A
// 2 MB transfer opens the window far beyond 10 segments; then, after `idle_s` of silence, the
// transfer of `size` bytes starts, and right after it completes the same size again. Returns
// both transfer times (write to last byte delivered), seconds.
struct TransferTimes {
  double after_idle = 0;
  double back_to_back = 0;
};

TransferTimes TimeTransfers(double idle_s, std::size_t size) {
  ns3net::PacketNetworkConfig config;
  config.region_latency_ns = {50'000'000};
  ns3net::PacketNetwork net(config);
  const std::uint32_t a = net.AddHost(100e6, 100e6, 0);
  const std::uint32_t b = net.AddHost(100e6, 100e6, 0);
  const std::uint32_t conn = net.Connect(a, b);
  const std::vector<std::uint8_t> warmup(2u << 20, 1), payload(size, 2);
  const std::int64_t warmup_at = 1'000'000'000;
  const std::int64_t idle_at = warmup_at + 10'000'000'000 + static_cast<std::int64_t>(idle_s * 1e9);
  std::size_t received = 0;
  std::int64_t second_at = -1;
  TransferTimes times;
  net.OnBytes([&](std::uint32_t, int end, const std::uint8_t*, std::size_t n) {
    if (end != 1) return;
    received += n;
    if (received == warmup.size() + payload.size() && second_at < 0) {
      times.after_idle = static_cast<double>(net.Now() - idle_at) / 1e9;
      second_at = net.Now();
      net.Write(conn, 0, payload.data(), payload.size());
    } else if (received == warmup.size() + 2 * payload.size()) {
      times.back_to_back = static_cast<double>(net.Now() - second_at) / 1e9;
    }
  });
  net.OnWake([&] {
    if (net.Now() < idle_at) {
      net.Write(conn, 0, warmup.data(), warmup.size());
      net.WakeAt(idle_at);
    } else {
      net.Write(conn, 0, payload.data(), payload.size());
    }
  });
  net.WakeAt(warmup_at);
  net.StopAt(idle_at + 30'000'000'000);
  net.Run();
  EXPECT_EQ(received, warmup.size() + 2 * payload.size());
  return times;
}

// Slow start after idle (Linux's tcp_slow_start_after_idle = 1, RFC 2861): after 60 s idle
// the window is back to 10 segments, so 100 kB (70 segments) needs flights of 10, 20 and 40:
// about 2.5 round trips, 0.26 s. ns-3.37 keeps the window the 2 MB transfer opened and sends
// it in one flight (0.06 s). Right after, with no idle time, the window the restarted
// transfer grew (about 80 segments, since it was filled) carries it in one flight.
TEST(Ns3Backend, WindowRestartsAfterIdleAsLinux) {
  const TransferTimes t = TimeTransfers(60.0, 100'000);
  RecordProperty("after_idle_s", std::to_string(t.after_idle));
  RecordProperty("back_to_back_s", std::to_string(t.back_to_back));
  EXPECT_GT(t.after_idle, 0.2) << "the window did not restart after 60 s idle";
  EXPECT_LT(t.after_idle, 0.4);
  EXPECT_GT(t.back_to_back, 0.0);
  EXPECT_LT(t.back_to_back, 0.15) << "the window restarted without idle time";
}

// Window growth only when the window is used (Linux's tcp_is_cwnd_limited in
// cubictcp_cong_avoid): 40 s of 500-byte messages every 20 ms (5 in flight, never more than
// the 10-segment initial window) on the same path, then 100 kB right after the last message:
// the window is still 10 segments and 100 kB takes flights of 10, 20 and 40 (0.26 s). ns-3.37
// grows the window on every ACK, used or not, to hundreds of segments, and the 100 kB leave
// in one flight (0.06 s). Gaps of 20 ms are far below the RTO: no idle restart here.
double TimeTransferAfterSmallMessages(std::size_t size) {
  ns3net::PacketNetworkConfig config;
  config.region_latency_ns = {50'000'000};
  ns3net::PacketNetwork net(config);
  const std::uint32_t a = net.AddHost(100e6, 100e6, 0);
  const std::uint32_t b = net.AddHost(100e6, 100e6, 0);
  const std::uint32_t conn = net.Connect(a, b);
  const std::vector<std::uint8_t> message(500, 1), payload(size, 2);
  const int messages = 2000;
  const std::int64_t start = 1'000'000'000, gap = 20'000'000;
  int sent = 0;
  std::size_t received = 0;
  std::int64_t payload_at = -1;
  double time = -1;
  net.OnBytes([&](std::uint32_t, int end, const std::uint8_t*, std::size_t n) {
    if (end != 1) return;
    received += n;
    if (received == messages * message.size() + payload.size()) {
      time = static_cast<double>(net.Now() - payload_at) / 1e9;
    }
  });
  net.OnWake([&] {
    if (sent < messages) {
      net.Write(conn, 0, message.data(), message.size());
      ++sent;
      net.WakeAt(net.Now() + (sent < messages ? gap : 1'000'000));
    } else {
      payload_at = net.Now();
      net.Write(conn, 0, payload.data(), payload.size());
    }
  });
  net.WakeAt(start);
  net.StopAt(start + messages * gap + 30'000'000'000);
  net.Run();
  EXPECT_EQ(received, messages * message.size() + payload.size());
  return time;
}

TEST(Ns3Backend, WindowGrowsOnlyWhenUsedAsLinux) {
  const double t = TimeTransferAfterSmallMessages(100'000);
  RecordProperty("transfer_s", std::to_string(t));
  EXPECT_GT(t, 0.2) << "the window grew while small messages left it unused";
  EXPECT_LT(t, 0.4);
}

// A host's uplink is shared among its connections by its FQ-CoDel queue disc, as Linux's
// default qdisc shares it: host a (10 Mbit/s up) sends 8 MB to b from t = 1 s, and from
// t = 4 s, when b's connection has a large window, 1 MB to c. Returns c's share of what b and
// c received while both transfers ran (from 0.3 s after c's first byte, past its slow start,
// to its last byte), and the number of packets the queue discs dropped.
struct Sharing {
  double late_share = 0;
  double utilisation = 0;  // of a's uplink over the same interval, by the bytes received
  std::uint64_t drops = 0;
};

Sharing ShareOfLateFlow(bool fq_codel) {
  ns3net::PacketNetworkConfig config;
  config.region_latency_ns = {20'000'000};
  config.host_fq_codel = fq_codel;
  ns3net::PacketNetwork net(config);
  const std::uint32_t a = net.AddHost(10e6, 100e6, 0);
  const std::uint32_t b = net.AddHost(100e6, 100e6, 0);
  const std::uint32_t c = net.AddHost(100e6, 100e6, 0);
  const std::uint32_t to_b = net.Connect(a, b);
  const std::uint32_t to_c = net.Connect(a, c);
  const std::vector<std::uint8_t> bulk(8u << 20, 1), late(1u << 20, 2);
  const std::int64_t b_at = 1'000'000'000, c_at = 4'000'000'000;
  std::int64_t c_first = -1, c_last = -1;
  std::size_t c_total = 0;
  std::vector<std::pair<std::int64_t, std::size_t>> b_rx, c_rx;  // (time, bytes) at the receiver
  net.OnBytes([&](std::uint32_t conn, int end, const std::uint8_t*, std::size_t n) {
    if (end != 1) return;
    (conn == to_b ? b_rx : c_rx).emplace_back(net.Now(), n);
    if (conn == to_c) {
      if (c_first < 0) c_first = net.Now();
      c_total += n;
      if (c_total == late.size()) c_last = net.Now();
    }
  });
  net.OnWake([&] {
    if (net.Now() < c_at) {
      net.Write(to_b, 0, bulk.data(), bulk.size());
      net.WakeAt(c_at);
    } else {
      net.Write(to_c, 0, late.data(), late.size());
    }
  });
  net.WakeAt(b_at);
  net.StopAt(60'000'000'000);
  net.Run();
  EXPECT_EQ(c_total, late.size());
  EXPECT_GT(c_last, c_first + 300'000'000);
  const std::int64_t from = c_first + 300'000'000;
  std::size_t to_b_bytes = 0, to_c_bytes = 0;
  for (const auto& [t, n] : b_rx) to_b_bytes += (t >= from && t <= c_last) ? n : 0;
  for (const auto& [t, n] : c_rx) to_c_bytes += (t >= from && t <= c_last) ? n : 0;
  Sharing out;
  out.late_share = static_cast<double>(to_c_bytes) / static_cast<double>(to_b_bytes + to_c_bytes);
  out.utilisation = static_cast<double>(to_b_bytes + to_c_bytes) * 8 /
                    (static_cast<double>(c_last - from) / 1e9 * 10e6);
  const ns3net::HostQueueStats q = net.host_queue_stats();
  out.drops = q.dropped_codel + q.dropped_overlimit;
  return out;
}

// With FQ-CoDel the late connection gets at least half the uplink at once (measured 0.59:
// CoDel's drops leave b's window a little short of its half, and the queue disc gives c the
// rest, as max-min sharing would; b and c together received 89 % of 10 Mbit/s, where 96 % is
// the most payload 1,500-byte packets carry). In one FIFO (the
// backend before, kept as host_fq_codel = false) its share is about that of its window among
// the windows queued: measured 0.20, with no drop.
TEST(Ns3Backend, HostUplinkIsSharedFairlyAsLinuxFqCodel) {
  const Sharing fq = ShareOfLateFlow(true);
  const Sharing fifo = ShareOfLateFlow(false);
  RecordProperty("fq_codel_share", std::to_string(fq.late_share));
  RecordProperty("fifo_share", std::to_string(fifo.late_share));
  RecordProperty("fq_codel_drops", std::to_string(fq.drops));
  RecordProperty("fq_codel_utilisation", std::to_string(fq.utilisation));
  RecordProperty("fifo_utilisation", std::to_string(fifo.utilisation));
  EXPECT_GT(fq.late_share, 0.45);
  EXPECT_LT(fq.late_share, 0.7);
  EXPECT_GT(fq.utilisation, 0.85);
  EXPECT_LT(fifo.late_share, 0.3);
  EXPECT_EQ(fifo.drops, 0u);
}

// A node sending a compact block (4 MB block, about 61 kB) to 30 peers at once keeps 30
// windows queued in its fq_codel queue disc; CoDel's sojourn-time rule drops some of them,
// which the flow model does not model (docs/ns3-validation.md). run.json's perf counts them;
// a chain of the same nodes, one transfer at a time, drops nothing.
std::string RunFanOut(const std::string& name, const std::string& edges, std::uint32_t nodes) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("peerlab_ns3_fanout_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "edges.txt") << edges;
  const std::string yaml =
      "version: 1\nname: fan-out\nseed: 1\nstop: { blocks: 1 }\n"
      "network:\n  nodes: " + std::to_string(nodes) + "\n"
      "  regions: { names: [r], node_share: [1], latency_ms: [[50]], upload_mbps: [20],\n"
      "             download_mbps: [50] }\n"
      "  latency_jitter: { kind: none }\n"
      "  topology: { kind: edge-list, file: edges.txt }\n"
      "  backend: ns3\n"
      "protocol: { kind: bitcoin, block_size: 4 MB, relay: compact }\n"
      "groups:\n  pools: { nodes: 1, hashrate: 1.0 }\n  relays: { nodes: rest, hashrate: 0 }\n"
      "outputs: [summary]\n";
  auto scenario = ParseScenario(yaml, (dir / "fan-out.yaml").string(), dir.string(), {});
  EXPECT_TRUE(scenario.ok()) << scenario.status().message();
  if (!scenario.ok()) return "";
  runner::RunOptions options;
  options.out_dir = (dir / "out").string();
  auto outcome = runner::RunScenario(*scenario, options);
  EXPECT_TRUE(outcome.ok()) << outcome.status().message();
  return ReadFile(dir / "out" / "run.json");
}

std::uint64_t Counter(const std::string& manifest, const std::string& key) {
  const std::size_t at = manifest.find("\"" + key + "\": ");
  if (at == std::string::npos) return UINT64_MAX;
  return std::stoull(manifest.substr(at + key.size() + 4));
}

TEST(Ns3Backend, CoDelDropsInFanOutsAreCounted) {
  std::string star, chain;
  for (int i = 1; i <= 30; ++i) star += "0 " + std::to_string(i) + "\n";
  for (int i = 0; i < 30; ++i) chain += std::to_string(i) + " " + std::to_string(i + 1) + "\n";
  const std::string star_run = RunFanOut("star", star, 31);
  const std::string chain_run = RunFanOut("chain", chain, 31);
  EXPECT_GT(Counter(star_run, "host_queue_enqueued"), 1000u);
  const std::uint64_t star_drops = Counter(star_run, "host_queue_dropped_codel");
  RecordProperty("star_codel_drops", std::to_string(star_drops));
  EXPECT_GT(star_drops, 0u);
  EXPECT_NE(star_drops, UINT64_MAX);
  EXPECT_EQ(Counter(chain_run, "host_queue_dropped_codel"), 0u);
  EXPECT_EQ(Counter(chain_run, "host_queue_dropped_overlimit"), 0u);
}

}  // namespace
}  // namespace peerlab::scenario
#endif  // PEERLAB_HAVE_NS3
