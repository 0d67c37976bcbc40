// Driver conformance over real sockets: the behaviours of conformance_test.cpp (handshakes
// complete, blocks relay, forks reorganise, a misbehaving peer is disconnected, a partition
// splits the network and its heal joins it again) on 3 to 5 peerlabd daemons (testbed::Daemon)
// in this process, talking TCP over 127.0.0.1 on ephemeral ports and stepped with RunOnce.
// Each test runs on every open-mode chain in each relay mode, so blocks carry real proof of work and every header
// and block is checked by the receiving seam. Blocks are mined on request (RequestMine, what
// SIGUSR1 does), never by timers, and every wait has a generous deadline followed by a strict
// assertion: a slow machine takes longer, it does not fail.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "peerlab/bitcoin/wire/framing.hpp"
#include "peerlab/testbed/chain.hpp"
#include "peerlab/testbed/config.hpp"
#include "peerlab/testbed/daemon.hpp"

namespace peerlab::testbed {
namespace {

constexpr auto kDeadline = std::chrono::seconds(20);

// A group of in-process daemons on one chain, each with its own data directory.
class SocketConformance
    : public ::testing::TestWithParam<std::tuple<std::string, bitcoin::RelayMode>> {
 protected:
  void TearDown() override {
    for (auto& d : daemons_) d->Shutdown();
    std::filesystem::remove_all(root_);
  }

  // Starts `n` daemons listening on 127.0.0.1, not yet connected.
  void Start(int n) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->name()) + "_" + std::to_string(::getpid());
    for (char& ch : name) {
      if (ch == '/') ch = '_';
    }
    root_ = std::filesystem::path(::testing::TempDir()) / ("peerlab_sockconf_" + name);
    std::filesystem::remove_all(root_);
    for (int i = 0; i < n; ++i) {
      DaemonConfig c;
      c.chain = std::get<0>(GetParam());
      c.relay = std::get<1>(GetParam());
      c.listen = {0x7f000001, 0};
      c.listen_set = true;
      c.datadir = (root_ / ("d" + std::to_string(i))).string();
      c.handle_signals = false;
      c.log = std::getenv("PEERLAB_TEST_LOG") != nullptr;  // daemon logs on stderr when set
      c.seed = static_cast<std::uint64_t>(i) + 1;  // distinct extra nonces: distinct blocks
      auto d = Daemon::Create(c);
      ASSERT_TRUE(d.ok()) << d.status().message();
      daemons_.push_back(std::move(d).value());
    }
  }

  Daemon& d(int i) { return *daemons_[i]; }
  // `from` dials `to` (and redials it if the connection drops), as --connect does.
  void Link(int from, int to) { d(from).AddConnectTarget(d(to).listen_endpoint()); }
  // Cuts the link Link(from, to) made: the connection closes and is not redialled.
  void Cut(int from, int to) {
    ASSERT_TRUE(d(from).DropConnectTarget(d(to).listen_endpoint())) << from << " -> " << to;
  }

  // Steps every daemon until `done` or the deadline; callers assert afterwards.
  void StepUntil(const std::function<bool()>& done,
                 std::chrono::milliseconds within = kDeadline) {
    const auto limit = std::chrono::steady_clock::now() + within;
    while (!done() && std::chrono::steady_clock::now() < limit) {
      for (auto& x : daemons_) x->RunOnce(2 * kMillisecond);
    }
  }

  // Waits until daemon i has exactly want[i] established peers, for every i.
  void ExpectEstablished(const std::vector<std::size_t>& want) {
    auto all = [&] {
      for (std::size_t i = 0; i < want.size(); ++i) {
        if (d(i).established_count() != want[i] || d(i).connection_count() != want[i]) {
          return false;
        }
      }
      return true;
    };
    StepUntil(all);
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(d(i).established_count(), want[i]) << "daemon " << i;
      EXPECT_EQ(d(i).connection_count(), want[i]) << "daemon " << i;
    }
  }

  const bitcoin::BlockRecord& Tip(int i) { return d(i).blocks().Get(d(i).node().tip()); }
  std::string TipId(int i) { return Tip(i).id.ToHex(); }

  // Daemon i mines `n` blocks, one at a time on its own tip.
  void Mine(int i, int n) {
    for (int k = 0; k < n; ++k) {
      const std::uint32_t height = Tip(i).height;
      d(i).RequestMine();
      StepUntil([&] { return Tip(i).height == height + 1; });
      ASSERT_EQ(Tip(i).height, height + 1) << "daemon " << i << " did not mine";
    }
  }

  // Waits until every daemon in `group` has daemon `leader`'s tip, then checks it strictly.
  void ExpectSameTip(const std::vector<int>& group, int leader) {
    auto agree = [&] {
      for (int i : group) {
        if (TipId(i) != TipId(leader)) return false;
      }
      return true;
    };
    StepUntil(agree);
    for (int i : group) EXPECT_EQ(TipId(i), TipId(leader)) << "daemon " << i;
  }

  // The tip every daemon has is the most-work block any daemon knows.
  void ExpectMostWorkTip() {
    std::uint64_t best = 0;
    for (auto& x : daemons_) {
      for (bitcoin::BlockHandle h = 0; h < x->blocks().size(); ++h) {
        best = std::max(best, x->blocks().Get(h).chain_work);
      }
    }
    for (std::size_t i = 0; i < daemons_.size(); ++i) {
      EXPECT_EQ(Tip(i).chain_work, best) << "daemon " << i;
    }
  }

  // Daemon i counted want[i] reorganisations.
  void ExpectReorgs(const std::vector<std::uint64_t>& want) {
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(d(static_cast<int>(i)).counters().reorgs, want[i]) << "daemon " << i;
    }
  }

  void ExpectNoPunishments(const std::vector<int>& group) {
    for (int i : group) EXPECT_EQ(d(i).counters().punishments, 0u) << "daemon " << i;
  }

  std::filesystem::path root_;
  std::vector<std::unique_ptr<Daemon>> daemons_;
};

TEST_P(SocketConformance, HandshakeCompletesBetweenConnectedPairs) {
  // A ring of four with one chord: degrees 3, 2, 3, 2.
  ASSERT_NO_FATAL_FAILURE(Start(4));
  for (auto [from, to] : {std::pair{1, 0}, {2, 1}, {3, 2}, {0, 3}, {2, 0}}) Link(from, to);
  ExpectEstablished({3, 2, 3, 2});
  for (int i = 0; i < 4; ++i) {
    const std::string status = d(i).StatusJson();
    EXPECT_NE(status.find("\"handshake\": \"established\""), std::string::npos) << status;
    EXPECT_EQ(status.find("\"handshake\": \"connecting\""), std::string::npos) << status;
    EXPECT_EQ(d(i).counters().connect_failures, 0u);
    EXPECT_EQ(d(i).counters().handshake_timeouts, 0u);
  }
  ExpectNoPunishments({0, 1, 2, 3});
}

// In each relay mode (--relay): headers announcements, inv (legacy) or compact blocks.
TEST_P(SocketConformance, BlocksRelayAlongALine) {
  ASSERT_NO_FATAL_FAILURE(Start(5));
  for (int i = 1; i < 5; ++i) Link(i, i - 1);
  ExpectEstablished({1, 2, 2, 2, 1});
  // One block at a time, each spread before the next: after the first, compact relay has
  // chosen its high-bandwidth peers and pushes the next ones.
  for (int k = 0; k < 3; ++k) {
    ASSERT_NO_FATAL_FAILURE(Mine(0, 1));
    ExpectSameTip({0, 1, 2, 3, 4}, 0);
  }
  EXPECT_EQ(Tip(4).height, 3u);
  // The far end holds the miner's bytes of every block, not a rendering of its own.
  for (bitcoin::BlockHandle h = d(4).node().tip(); h != bitcoin::kGenesis;
       h = d(4).blocks().Get(h).parent) {
    const auto found = d(0).blocks().Find(d(4).blocks().Get(h).id);
    ASSERT_TRUE(found.has_value());
    const auto* mined = d(0).blocks().BlockData(*found);
    const auto* relayed = d(4).blocks().BlockData(h);
    ASSERT_NE(mined, nullptr);
    ASSERT_NE(relayed, nullptr);
    EXPECT_EQ(*mined, *relayed);
  }
  // And from the other end back.
  ASSERT_NO_FATAL_FAILURE(Mine(4, 1));
  ExpectSameTip({0, 1, 2, 3, 4}, 4);
  EXPECT_EQ(Tip(0).height, 4u);
  ExpectNoPunishments({0, 1, 2, 3, 4});
  // The relay mode's own announcements carried the blocks (the middle node relayed all 4).
  const auto sent = [&](bitcoin::MsgType t) {
    return d(2).counters().messages_out[static_cast<std::size_t>(t)];
  };
  using bitcoin::MsgType;
  switch (std::get<1>(GetParam())) {
    case bitcoin::RelayMode::kHeaders:
      EXPECT_GE(sent(MsgType::kHeaders), 4u);
      EXPECT_EQ(sent(MsgType::kInv), 0u);
      EXPECT_EQ(sent(MsgType::kCmpctBlock), 0u);
      break;
    case bitcoin::RelayMode::kLegacy:
      EXPECT_GE(sent(MsgType::kInv), 4u);
      EXPECT_EQ(sent(MsgType::kCmpctBlock), 0u);
      EXPECT_EQ(sent(MsgType::kSendHeaders), 0u);
      break;
    case bitcoin::RelayMode::kCompact:
      EXPECT_GE(sent(MsgType::kCmpctBlock), 1u);
      EXPECT_GE(sent(MsgType::kSendCmpct), 2u);
      EXPECT_EQ(sent(MsgType::kInv), 0u);
      break;
  }
  const std::string status = d(2).StatusJson();
  EXPECT_NE(status.find("\"messages\": {"), std::string::npos) << status;
}

TEST_P(SocketConformance, ForksReorganiseToTheMostWorkChain) {
  // Two halves, {0, 1} and {2, 3}, mine apart: 2 blocks against 4.
  ASSERT_NO_FATAL_FAILURE(Start(4));
  Link(1, 0);
  Link(3, 2);
  ExpectEstablished({1, 1, 1, 1});
  ASSERT_NO_FATAL_FAILURE(Mine(0, 2));
  ASSERT_NO_FATAL_FAILURE(Mine(3, 4));
  ExpectSameTip({0, 1}, 0);
  ExpectSameTip({2, 3}, 3);
  const Hash256 shorter = Tip(0).id;
  ASSERT_NE(shorter.ToHex(), TipId(3));
  ExpectReorgs({0, 0, 0, 0});
  // Joined, the shorter side gives up its two blocks for the longer chain.
  Link(1, 2);
  ExpectEstablished({1, 2, 2, 1});
  ExpectSameTip({0, 1, 2, 3}, 3);
  EXPECT_EQ(Tip(0).height, 4u);
  ExpectMostWorkTip();
  ExpectReorgs({1, 1, 0, 0});
  // The abandoned tip is still known to the side that mined it, just not active.
  EXPECT_TRUE(d(0).blocks().Find(shorter).has_value());
  EXPECT_NE(TipId(0), shorter.ToHex());
  ExpectNoPunishments({0, 1, 2, 3});
}

// A raw TCP client on loopback that speaks just enough of the protocol to finish a handshake.
class RawPeer {
 public:
  explicit RawPeer(const Endpoint& to) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(to.port);
    a.sin_addr.s_addr = htonl(to.ip);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawPeer() { close(fd_); }
  bool connected() const { return connected_; }
  bool Send(const std::vector<std::uint8_t>& bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<long>(bytes.size());
  }
  // Reads (and drops) what the daemon sent; true once it closed the connection.
  bool ClosedByDaemon() {
    char buf[4096];
    for (;;) {
      const long n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) continue;
      return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

TEST_P(SocketConformance, MisbehavingPeerIsDisconnectedAndHonestPeersStay) {
  ASSERT_NO_FATAL_FAILURE(Start(3));
  Link(1, 0);
  Link(2, 1);
  ExpectEstablished({1, 2, 1});
  const bitcoin::wire::Magic magic = LookupChain(std::get<0>(GetParam()))->magic;
  RawPeer raw(d(1).listen_endpoint());
  ASSERT_TRUE(raw.connected());
  std::vector<std::uint8_t> hello;
  bitcoin::wire::Version version;
  version.timestamp = static_cast<std::int64_t>(::time(nullptr));
  version.nonce = 0x5eed5eed5eed5eedULL;
  version.user_agent = "/peerlab-conformance-raw/";
  version.relay = true;
  bitcoin::wire::EncodeFrame(magic, bitcoin::wire::Message{version}, hello);
  bitcoin::wire::EncodeFrame(magic, bitcoin::wire::Message{bitcoin::wire::Verack{}}, hello);
  ASSERT_TRUE(raw.Send(hello));
  StepUntil([&] { return d(1).established_count() == 3 && !raw.ClosedByDaemon(); });
  ASSERT_EQ(d(1).established_count(), 3u) << "the raw peer's handshake did not complete";

  // Now a ping whose checksum is wrong: a malformed message, scored 100 at once.
  std::vector<std::uint8_t> frame;
  const std::vector<std::uint8_t> nonce = {1, 2, 3, 4, 5, 6, 7, 8};
  bitcoin::wire::EncodeFrame(magic, "ping", nonce, frame);
  frame[20] ^= 0xff;  // first checksum byte
  ASSERT_TRUE(raw.Send(frame));
  StepUntil([&] { return d(1).counters().punishments > 0 && raw.ClosedByDaemon(); });
  EXPECT_TRUE(raw.ClosedByDaemon());
  EXPECT_EQ(d(1).counters().punishments, 1u);
  EXPECT_EQ(d(1).counters().node_disconnects, 1u);
  const std::string status = d(1).StatusJson();
  EXPECT_NE(status.find("\"reason\": \"misbehaviour score 100 (malformed message)\""),
            std::string::npos)
      << status;
  // The honest links are untouched and still carry blocks end to end.
  ExpectEstablished({1, 2, 1});
  ExpectNoPunishments({0, 2});
  ASSERT_NO_FATAL_FAILURE(Mine(0, 1));
  ExpectSameTip({0, 1, 2}, 0);
}

TEST_P(SocketConformance, PartitionSplitsAndHealJoins) {
  // Sides {0, 1} and {2, 3}, each linked inside, joined by two cross links.
  ASSERT_NO_FATAL_FAILURE(Start(4));
  Link(1, 0);
  Link(3, 2);
  Link(2, 1);
  Link(3, 0);
  ExpectEstablished({2, 2, 2, 2});
  ASSERT_NO_FATAL_FAILURE(Mine(0, 1));
  ExpectSameTip({0, 1, 2, 3}, 0);

  // Partition: the cross links close and are not redialled.
  Cut(2, 1);
  Cut(3, 0);
  ExpectEstablished({1, 1, 1, 1});
  ASSERT_NO_FATAL_FAILURE(Mine(1, 2));
  ASSERT_NO_FATAL_FAILURE(Mine(2, 3));
  ExpectSameTip({0, 1}, 1);
  ExpectSameTip({2, 3}, 2);
  EXPECT_EQ(Tip(0).height, 3u);
  EXPECT_EQ(Tip(3).height, 4u);
  EXPECT_NE(TipId(0), TipId(3)) << "the partition leaked a block";
  // Still split after more stepping: nothing crosses the cut.
  StepUntil([] { return false; }, std::chrono::milliseconds(300));
  EXPECT_EQ(Tip(0).height, 3u);
  EXPECT_EQ(d(0).connection_count() + d(1).connection_count(), 2u);

  // Heal: the cross links are dialled again and everyone follows the most work.
  Link(2, 1);
  Link(3, 0);
  ExpectEstablished({2, 2, 2, 2});
  ExpectSameTip({0, 1, 2, 3}, 2);
  EXPECT_EQ(Tip(0).height, 4u);
  ExpectMostWorkTip();
  ExpectReorgs({1, 1, 0, 0});
  ExpectNoPunishments({0, 1, 2, 3});
}

INSTANTIATE_TEST_SUITE_P(
    ChainsAndRelay, SocketConformance,
    ::testing::Combine(::testing::Values("peerlab-sim", "litecoin-regtest", "bitcoin-regtest"),
                       ::testing::Values(bitcoin::RelayMode::kHeaders,
                                         bitcoin::RelayMode::kLegacy,
                                         bitcoin::RelayMode::kCompact)),
    [](const auto& info) {
      std::string name = std::get<0>(info.param);
      std::erase(name, '-');
      switch (std::get<1>(info.param)) {
        case bitcoin::RelayMode::kHeaders: return name + "_headers";
        case bitcoin::RelayMode::kLegacy: return name + "_legacy";
        case bitcoin::RelayMode::kCompact: return name + "_compact";
      }
      return name;
    });

}  // namespace
}  // namespace peerlab::testbed
