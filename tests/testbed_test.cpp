// The testbed (testbed/): peerlabd's argument parsing, chain lookup, timer queue, and two
// daemons in this process talking over loopback TCP, stepped by RunOnce. Hostile-peer and
// process-level tests (signals, floods, RSS) are in tests/python/test_peerlabd.py.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "peerlab/bitcoin/message.hpp"
#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/testbed/admission.hpp"
#include "peerlab/testbed/chain.hpp"
#include "peerlab/testbed/config.hpp"
#include "peerlab/testbed/daemon.hpp"
#include "peerlab/testbed/event_loop.hpp"

namespace peerlab::testbed {
namespace {

Result<ParsedArgs> Parse(std::vector<std::string_view> args) { return ParseDaemonArgs(args); }

TEST(TestbedArgs, ParsesTheContract) {
  auto p = Parse({"--chain", "peerlab-sim", "--listen", "127.0.0.1:0", "--connect",
                  "10.0.0.1:18444", "--connect", "10.0.0.2:1", "--datadir", "/tmp/x", "--mine",
                  "2.5", "--mine-limit", "3", "--seed", "7", "--relay", "compact",
                  "--connect-block-relay", "10.0.0.3:7", "--validation-fixed", "0.010000000",
                  "--validation-per-mb", "0.05"});
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->config.chain, "peerlab-sim");
  EXPECT_EQ(p->config.listen, (Endpoint{0x7f000001, 0}));
  ASSERT_EQ(p->config.connect.size(), 2u);
  EXPECT_EQ(p->config.connect[0], (Endpoint{0x0a000001, 18444}));
  EXPECT_EQ(p->config.mine_mean_s, 2.5);
  EXPECT_EQ(p->config.mine_limit, 3u);
  EXPECT_EQ(p->config.seed, 7u);
  EXPECT_EQ(p->config.relay, bitcoin::RelayMode::kCompact);
  ASSERT_EQ(p->config.connect_block_relay.size(), 1u);
  EXPECT_EQ(p->config.connect_block_relay[0], (Endpoint{0x0a000003, 7}));
  EXPECT_EQ(p->config.validation_fixed, 10 * kMillisecond);
  EXPECT_EQ(p->config.validation_per_mb, 50 * kMillisecond);
  EXPECT_TRUE(Parse({"--help"})->help);
}

TEST(TestbedArgs, DefaultsSeedFromTheOsAndRelayToHeaders) {
  // Two daemons started with the same flags must not share a seed: equal seeds give equal
  // extra nonces (identical blocks on one parent) and equal version nonces (seen as a
  // connection to self). 64 random bits: a collision here is a broken draw, not bad luck.
  auto a = Parse({"--chain", "peerlab-sim", "--datadir", "/tmp/x"});
  auto b = Parse({"--chain", "peerlab-sim", "--datadir", "/tmp/x"});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->config.seed, b->config.seed);
  EXPECT_EQ(a->config.relay, bitcoin::RelayMode::kHeaders);
  EXPECT_EQ(a->config.validation_fixed, 0);
  EXPECT_EQ(a->config.validation_per_mb, 0);
}

TEST(TestbedArgs, RejectsBadInputWithOneLine) {
  const std::vector<std::pair<std::vector<std::string_view>, std::string>> cases = {
      {{"--datadir", "d"}, "--chain: required"},
      {{"--chain", "peerlab-sim"}, "--datadir: required"},
      {{"--chain", "peerlab-sim", "--datadir", "d", "--listen", "localhost:1"}, "--listen:"},
      {{"--chain", "peerlab-sim", "--datadir", "d", "--connect", "1.2.3.4:0"}, "--connect:"},
      {{"--chain", "peerlab-sim", "--datadir", "d", "--connect", "1.2.3.256:5"}, "--connect:"},
      {{"--chain", "peerlab-sim", "--datadir", "d", "--mine", "0"}, "--mine:"},
      {{"--chain", "peerlab-sim", "--datadir", "d", "--mine", "x"}, "--mine:"},
      {{"--chain", "peerlab-sim", "--datadir", "d", "--bogus", "1"}, "--bogus: unknown option"},
      {{"--chain", "peerlab-sim", "--datadir"}, "--datadir: needs a value"},
      {{"stray"}, "stray: unexpected argument"},
      {{"--chain", "peerlab-sim", "--datadir", "d", "--relay", "inv"},
       "--relay: expected headers, legacy or compact, got 'inv'"},
      {{"--chain", "peerlab-sim", "--datadir", "d", "--validation-fixed", "-1"},
       "--validation-fixed: expected seconds"},
      {{"--chain", "peerlab-sim", "--datadir", "d", "--validation-per-mb", "1ms"},
       "--validation-per-mb: expected seconds"},
  };
  for (const auto& [args, expected] : cases) {
    auto p = Parse(args);
    ASSERT_FALSE(p.ok()) << expected;
    EXPECT_NE(p.status().message().find(expected), std::string::npos) << p.status().message();
    EXPECT_EQ(p.status().message().find('\n'), std::string::npos);
  }
}

TEST(TestbedChain, ResolvesTheBuiltInChains) {
  auto sim = LookupChain("peerlab-sim");
  ASSERT_TRUE(sim.ok());
  EXPECT_EQ(sim->magic, bitcoin::wire::kMagicRegtest);
  EXPECT_EQ(sim->default_port, 18444);
  EXPECT_EQ(sim->genesis.Id().ToHex(),
            "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206");
  auto ltc = LookupChain("litecoin-regtest");
  ASSERT_TRUE(ltc.ok());
  EXPECT_EQ(ltc->default_port, 19444);
  EXPECT_EQ(ltc->params->pow, bitcoin::PowKind::kScrypt);
  EXPECT_EQ(ltc->genesis.Id().ToHex(),
            "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9");
  EXPECT_EQ(ltc->genesis_size_bytes, ltc->params->genesis_block.size());
  ASSERT_TRUE(LookupChain("bitcoin-regtest").ok());
  const std::string error = LookupChain("nope").status().message();
  EXPECT_NE(error.find("--chain: unknown chain 'nope'"), std::string::npos) << error;
  EXPECT_NE(error.find("peerlab-sim, litecoin-regtest, bitcoin-regtest"), std::string::npos)
      << error;
}

TEST(TestbedTimers, EarliestFirstAndBounded) {
  TimerQueue q(3);
  EXPECT_TRUE(q.Push(30, {bitcoin::Timer::Kind::kPing, 1}));
  EXPECT_TRUE(q.Push(10, {bitcoin::Timer::Kind::kPing, 2}));
  EXPECT_TRUE(q.Push(10, {bitcoin::Timer::Kind::kPing, 3}));
  EXPECT_FALSE(q.Push(5, {bitcoin::Timer::Kind::kPing, 4}));  // full: refused, not grown
  EXPECT_EQ(q.next_at(), 10);
  bitcoin::Timer t;
  EXPECT_FALSE(q.PopDue(9, &t));
  ASSERT_TRUE(q.PopDue(10, &t));
  EXPECT_EQ(t.arg, 2u);  // equal times come out in arming order
  ASSERT_TRUE(q.PopDue(10, &t));
  EXPECT_EQ(t.arg, 3u);
  EXPECT_FALSE(q.PopDue(29, &t));
  ASSERT_TRUE(q.PopDue(100, &t));
  EXPECT_EQ(q.next_at(), kTimeNever);
}

std::string TempDir(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   ("peerlab_testbed_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

DaemonConfig QuietConfig(const std::string& dir) {
  DaemonConfig c;
  c.chain = "peerlab-sim";
  c.listen = {0x7f000001, 0};
  c.listen_set = true;
  c.datadir = dir;
  c.handle_signals = false;
  c.log = false;
  static std::uint64_t next_seed = 1;
  c.seed = next_seed++;  // as the CLI's OS-drawn default: daemons differ
  return c;
}

// Steps the daemons until `done` or a generous wall-clock limit; the caller asserts after.
void StepUntil(std::vector<Daemon*> daemons, const std::function<bool()>& done,
               std::chrono::milliseconds within = std::chrono::seconds(30)) {
  const auto limit = std::chrono::steady_clock::now() + within;
  while (!done() && std::chrono::steady_clock::now() < limit) {
    for (Daemon* d : daemons) d->RunOnce(5 * kMillisecond);
  }
}

Hash256 TipId(Daemon& d) { return d.blocks().Get(d.node().tip()).id; }

// Steps `miner` and `follower` until the miner's tip is at `height` and the follower has it.
void StepUntilFollowerHasTipAt(Daemon& miner, Daemon& follower, std::uint32_t height) {
  StepUntil({&miner, &follower}, [&] {
    return miner.blocks().Get(miner.node().tip()).height == height &&
           TipId(follower) == TipId(miner);
  });
}

TEST(TestbedDaemon, BlockRelayOnlyConnectionCarriesBlocksOnly) {
  DaemonConfig ac = QuietConfig(TempDir("bro_a"));
  ac.mine_mean_s = 0.02;
  ac.mine_limit = 2;
  auto a = Daemon::Create(ac);
  ASSERT_TRUE(a.ok()) << a.status().message();
  DaemonConfig bc = QuietConfig(TempDir("bro_b"));
  bc.connect_block_relay.push_back((*a)->listen_endpoint());
  auto b = Daemon::Create(bc);
  ASSERT_TRUE(b.ok()) << b.status().message();
  StepUntilFollowerHasTipAt(**a, **b, 2);
  ASSERT_EQ(TipId(**b).ToHex(), TipId(**a).ToHex());
  EXPECT_EQ((*b)->blocks().Get((*b)->node().tip()).height, 2u);
  const std::string status = (*b)->StatusJson();
  EXPECT_NE(status.find("\"kind\": \"block-relay-only\""), std::string::npos) << status;
  EXPECT_EQ(status.find("\"kind\": \"full-relay\""), std::string::npos) << status;
  // No address relay on it: B never asked A for addresses (Core skips getaddr there too).
  const auto getaddr = static_cast<std::size_t>(bitcoin::MsgType::kGetAddr);
  EXPECT_EQ((*b)->counters().messages_out[getaddr], 0u);
  EXPECT_EQ((*a)->counters().messages_in[getaddr], 0u);
  EXPECT_EQ((*a)->counters().punishments + (*b)->counters().punishments, 0u);
}

TEST(TestbedDaemon, TwoDaemonsHandshakeOverLoopback) {
  auto a = Daemon::Create(QuietConfig(TempDir("a")));
  ASSERT_TRUE(a.ok()) << a.status().message();
  DaemonConfig bc = QuietConfig(TempDir("b"));
  bc.connect.push_back((*a)->listen_endpoint());
  auto b = Daemon::Create(bc);
  ASSERT_TRUE(b.ok()) << b.status().message();
  StepUntil({a->get(), b->get()}, [&] {
    return (*a)->established_count() == 1 && (*b)->established_count() == 1;
  });
  EXPECT_EQ((*a)->established_count(), 1u);
  EXPECT_EQ((*b)->established_count(), 1u);
  const std::string status = (*a)->StatusJson();
  EXPECT_NE(status.find("\"direction\": \"inbound\""), std::string::npos) << status;
  EXPECT_NE(status.find("\"handshake\": \"established\""), std::string::npos) << status;
  EXPECT_EQ((*a)->counters().punishments, 0u);
  // B goes away: A sees the close and forgets the peer.
  (*b)->Shutdown();
  StepUntil({a->get()}, [&] { return (*a)->connection_count() == 0; });
  EXPECT_EQ((*a)->connection_count(), 0u);
  EXPECT_EQ((*a)->counters().remote_closes, 1u);
}

// A mines real blocks; B checks every header and block it receives and follows A's chain.
class TestbedRelay : public ::testing::TestWithParam<std::string> {};

TEST_P(TestbedRelay, MinedBlocksReachTheOtherDaemon) {
  const std::string chain = GetParam();
  DaemonConfig ac = QuietConfig(TempDir("relay_a_" + chain));
  ac.chain = chain;
  ac.mine_mean_s = 0.02;
  ac.mine_limit = 5;
  auto a = Daemon::Create(ac);
  ASSERT_TRUE(a.ok()) << a.status().message();
  DaemonConfig bc = QuietConfig(TempDir("relay_b_" + chain));
  bc.chain = chain;
  bc.connect.push_back((*a)->listen_endpoint());
  auto b = Daemon::Create(bc);
  ASSERT_TRUE(b.ok()) << b.status().message();
  StepUntilFollowerHasTipAt(**a, **b, 5);
  const bitcoin::BlockRecord& a_tip = (*a)->blocks().Get((*a)->node().tip());
  EXPECT_EQ(a_tip.height, 5u);
  ASSERT_EQ(TipId(**b).ToHex(), a_tip.id.ToHex());
  // B holds A's bytes of every block, not a rendering of its own.
  for (bitcoin::BlockHandle h = (*b)->node().tip(); h != bitcoin::kGenesis;
       h = (*b)->blocks().Get(h).parent) {
    const auto* mine = (*a)->blocks().BlockData(*(*a)->blocks().Find((*b)->blocks().Get(h).id));
    const auto* theirs = (*b)->blocks().BlockData(h);
    ASSERT_NE(mine, nullptr);
    ASSERT_NE(theirs, nullptr);
    EXPECT_EQ(*mine, *theirs);
  }
  EXPECT_EQ((*a)->counters().punishments, 0u);
  EXPECT_EQ((*b)->counters().punishments, 0u);
  // The limit holds: no sixth block however long A runs.
  StepUntil({a->get(), b->get()}, [] { return false; }, std::chrono::milliseconds(300));
  EXPECT_EQ((*a)->blocks().Get((*a)->node().tip()).height, 5u);
}

INSTANTIATE_TEST_SUITE_P(Chains, TestbedRelay,
                         ::testing::Values("peerlab-sim", "litecoin-regtest", "bitcoin-regtest"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::erase(name, '-');
                           return name;
                         });

TEST(TestbedDaemon, SilentPeersAreDroppedAtTheIdleTimeout) {
  DaemonConfig ac = QuietConfig(TempDir("idle_a"));
  ac.ping_interval = 0;  // nothing keeps the connection busy once the handshake is done
  ac.idle_timeout = 400 * kMillisecond;
  auto a = Daemon::Create(ac);
  ASSERT_TRUE(a.ok());
  DaemonConfig bc = QuietConfig(TempDir("idle_b"));
  bc.ping_interval = 0;
  bc.connect.push_back((*a)->listen_endpoint());
  auto b = Daemon::Create(bc);
  ASSERT_TRUE(b.ok());
  StepUntil({a->get(), b->get()}, [&] { return (*a)->established_count() == 1; });
  ASSERT_EQ((*a)->established_count(), 1u);
  StepUntil({a->get(), b->get()}, [&] { return (*a)->counters().idle_timeouts == 1; });
  EXPECT_EQ((*a)->counters().idle_timeouts, 1u);
  EXPECT_EQ((*a)->counters().punishments, 0u);  // idle is not misbehaviour
}

TEST(TestbedDaemon, NodeChosenConnectionsAreDialledAndFailuresReported) {
  auto a = Daemon::Create(QuietConfig(TempDir("chosen_a")));
  ASSERT_TRUE(a.ok());
  // B knows only A's address and may open one connection of its own choosing to it.
  DaemonConfig bc = QuietConfig(TempDir("chosen_b"));
  bc.outbound = 1;
  bc.known_peers = {0x7f000001};
  bc.dial_port = (*a)->listen_endpoint().port;
  auto b = Daemon::Create(bc);
  ASSERT_TRUE(b.ok());
  StepUntil({a->get(), b->get()}, [&] { return (*b)->established_count() == 1; });
  ASSERT_EQ((*b)->established_count(), 1u);
  EXPECT_TRUE((*b)->node().IsOutbound(0));
  EXPECT_NE((*b)->StatusJson().find("\"origin\": \"node\""), std::string::npos);

  // C's only address has nobody listening: the node hears ConnectFailed and tries again.
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(0x7f000001);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  DaemonConfig cc = QuietConfig(TempDir("chosen_c"));
  cc.outbound = 1;
  cc.known_peers = {0x7f000001};
  cc.dial_port = ntohs(addr.sin_port);  // bound, not listening: connections are refused
  auto c = Daemon::Create(cc);
  ASSERT_TRUE(c.ok());
  StepUntil({c->get()}, [&] { return (*c)->counters().connect_failures >= 2; });
  EXPECT_GE((*c)->counters().connect_failures, 2u);
  EXPECT_EQ((*c)->connection_count(), 0u);
  close(probe);
}

int ConnectTo(const Endpoint& e) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e.port);
  a.sin_addr.s_addr = htonl(e.ip);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

// True once the daemon closed the socket (recv returns 0 or an error, not EAGAIN).
bool ClosedByDaemon(int fd) {
  char buf[256];
  const long n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

TEST(TestbedDaemon, BadChecksumIsScoredAndDisconnected) {
  auto d = Daemon::Create(QuietConfig(TempDir("checksum")));
  ASSERT_TRUE(d.ok());
  const int fd = ConnectTo((*d)->listen_endpoint());
  std::vector<std::uint8_t> frame;
  const std::vector<std::uint8_t> payload = {1, 2, 3, 4, 5, 6, 7, 8};
  bitcoin::wire::EncodeFrame(bitcoin::wire::kMagicRegtest, "ping", payload, frame);
  frame[20] ^= 0xff;  // first checksum byte
  ASSERT_EQ(send(fd, frame.data(), frame.size(), 0), static_cast<long>(frame.size()));
  StepUntil({d->get()}, [&] { return (*d)->counters().punishments > 0 && ClosedByDaemon(fd); });
  EXPECT_EQ((*d)->counters().punishments, 1u);
  EXPECT_EQ((*d)->counters().node_disconnects, 1u);
  EXPECT_EQ((*d)->connection_count(), 0u);
  const std::string status = (*d)->StatusJson();
  EXPECT_NE(status.find("\"reason\": \"misbehaviour score 100 (malformed message)\""),
            std::string::npos)
      << status;
  close(fd);
}

TEST(TestbedDaemon, BadMagicEndsTheStream) {
  auto d = Daemon::Create(QuietConfig(TempDir("magic")));
  ASSERT_TRUE(d.ok());
  const int fd = ConnectTo((*d)->listen_endpoint());
  std::vector<std::uint8_t> garbage(100, 0x41);
  ASSERT_EQ(send(fd, garbage.data(), garbage.size(), 0), 100);
  StepUntil({d->get()}, [&] { return (*d)->connection_count() == 0 && ClosedByDaemon(fd); });
  EXPECT_EQ((*d)->counters().malformed_streams, 1u);
  EXPECT_EQ((*d)->counters().punishments, 1u);
  EXPECT_EQ((*d)->connection_count(), 0u);
  close(fd);
}

// A connection from `source` (a loopback address other than 127.0.0.1 stands for another
// host), with one byte of a frame header sent: it looks alive but never finishes.
int IdleConnectionFrom(std::uint32_t source, const Endpoint& to) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(source);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  a.sin_port = htons(to.port);
  a.sin_addr.s_addr = htonl(to.ip);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::uint8_t byte = bitcoin::wire::kMagicRegtest[0];
  EXPECT_EQ(send(fd, &byte, 1, MSG_NOSIGNAL), 1);
  return fd;
}

TEST(TestbedAdmission, EvictsTheUnversionedFromTheMostCrowdedAddressOldestFirst) {
  const TimeNs now = 100;
  std::vector<PendingConnection> pool = {
      {0, 0x7f000002, 10, false}, {1, 0x7f000003, 5, false}, {2, 0x7f000003, 20, false},
      {3, 0x7f000004, 1, true},   {4, 0x7f000002, 30, false}, {5, 0x7f000003, 100, false}};
  EXPECT_EQ(PendingFrom(pool, 0x7f000003), 3u);
  // 127.0.0.3 holds three (one accepted in this wakeup, never chosen): its oldest goes.
  EXPECT_EQ(SelectPendingToEvict(pool, now), 1u);
  pool.erase(pool.begin() + 1);
  // Two each from .2 and .3 now: the oldest of them, not the older .4 that sent a version.
  EXPECT_EQ(SelectPendingToEvict(pool, now), 0u);
  // Only this wakeup's newcomers: nobody is evicted (the caller waits a wakeup).
  EXPECT_FALSE(SelectPendingToEvict(std::vector<PendingConnection>{{7, 1, now, false}}, now));
  EXPECT_EQ(SelectPendingToEvict(std::vector<PendingConnection>{{7, 1, 50, true}}, now), 7u);
}

// Issue 24, defect 9: idle connections used to take every inbound slot until the handshake
// deadline (60 s), locking out honest peers. Now unhandshaked connections sit in a small pool,
// at most a few per address, and a newcomer evicts one of them.
TEST(TestbedDaemon, IdleConnectionsFromOneAddressDoNotLockOutAnHonestPeer) {
  DaemonConfig ac = QuietConfig(TempDir("lockout_a"));
  ac.handshake_timeout = 60 * kSecond;  // only admission can let the honest peer in
  auto a = Daemon::Create(ac);
  ASSERT_TRUE(a.ok());
  std::vector<int> flood;
  for (int i = 0; i < 100; ++i) flood.push_back(IdleConnectionFrom(0x7f000002, (*a)->listen_endpoint()));
  StepUntil({a->get()}, [&] {
    const DaemonCounters& k = (*a)->counters();
    return k.accepted + k.refused_full + k.refused_address >= flood.size();
  });
  EXPECT_EQ((*a)->counters().accepted, ac.max_pending_per_address);
  EXPECT_EQ((*a)->counters().refused_address, flood.size() - ac.max_pending_per_address);
  DaemonConfig bc = QuietConfig(TempDir("lockout_b"));
  bc.connect.push_back((*a)->listen_endpoint());
  auto b = Daemon::Create(bc);
  ASSERT_TRUE(b.ok());
  StepUntil({a->get(), b->get()}, [&] { return (*a)->established_count() == 1; },
            std::chrono::seconds(5));
  EXPECT_EQ((*a)->established_count(), 1u);
  EXPECT_EQ((*b)->established_count(), 1u);
  EXPECT_EQ((*a)->counters().refused_full, 0u);
  for (int fd : flood) close(fd);
}

TEST(TestbedDaemon, NewcomersEvictUnhandshakedConnectionsWhenTheSlotsAreFull) {
  DaemonConfig c = QuietConfig(TempDir("full"));
  c.max_inbound = 2;
  auto d = Daemon::Create(c);
  ASSERT_TRUE(d.ok());
  std::vector<int> fds;
  // Five hosts, one connection each: the slots hold the two newest, the older ones were
  // evicted one per newcomer (never in the wakeup that accepted them).
  for (std::uint32_t i = 0; i < 5; ++i) {
    fds.push_back(IdleConnectionFrom(0x7f000002 + i, (*d)->listen_endpoint()));
  }
  StepUntil({d->get()}, [&] { return (*d)->counters().accepted == 5; });
  EXPECT_EQ((*d)->counters().accepted, 5u);
  EXPECT_EQ((*d)->counters().evicted_pending, 3u);
  EXPECT_EQ((*d)->counters().refused_full, 0u);
  StepUntil({d->get()}, [&] { return (*d)->connection_count() == 2; });
  EXPECT_EQ((*d)->connection_count(), 2u);
  StepUntil({d->get()}, [&] { return ClosedByDaemon(fds[0]) && ClosedByDaemon(fds[2]); });
  EXPECT_TRUE(ClosedByDaemon(fds[0]));
  EXPECT_FALSE(ClosedByDaemon(fds[4]));
  for (int fd : fds) close(fd);
}

TEST(TestbedDaemon, SlowLorisIsDroppedAtTheHandshakeDeadline) {
  DaemonConfig c = QuietConfig(TempDir("loris"));
  c.handshake_timeout = 300 * kMillisecond;
  auto d = Daemon::Create(c);
  ASSERT_TRUE(d.ok());
  const int fd = ConnectTo((*d)->listen_endpoint());
  // One byte of a frame header: a connection that looks alive but never finishes.
  const std::uint8_t byte = bitcoin::wire::kMagicRegtest[0];
  ASSERT_EQ(send(fd, &byte, 1, 0), 1);
  StepUntil({d->get()}, [&] { return (*d)->counters().handshake_timeouts == 1; });
  EXPECT_EQ((*d)->counters().handshake_timeouts, 1u);
  StepUntil({d->get()}, [&] { return ClosedByDaemon(fd); });
  EXPECT_TRUE(ClosedByDaemon(fd));
  EXPECT_NE((*d)->StatusJson().find("no version/verack within"), std::string::npos);
  close(fd);
}

}  // namespace
}  // namespace peerlab::testbed
