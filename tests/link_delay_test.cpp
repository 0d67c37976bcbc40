// DelayGate and --link-delay parsing (testbed/link_delay.hpp): bytes leave no earlier than
// their delay, in order, and the record of held messages stays bounded.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "peerlab/testbed/config.hpp"
#include "peerlab/testbed/link_delay.hpp"

namespace peerlab::testbed {
namespace {

constexpr DurationNs kDelay = 40 * kMillisecond;

TEST(DelayGate, WithoutDelayEverythingIsReleasable) {
  DelayGate gate;
  EXPECT_FALSE(gate.active());
  gate.Queued(100, 0);
  EXPECT_EQ(gate.Releasable(0, 100), 100u);
  EXPECT_EQ(gate.next_release(), kTimeNever);
}

TEST(DelayGate, ReleasesEachMessageAfterItsDelayInOrder) {
  DelayGate gate(kDelay);
  gate.Queued(100, 0);                 // bytes [0, 100) at t = 0
  gate.Queued(250, 10 * kMillisecond);  // bytes [100, 250) at t = 10 ms
  EXPECT_EQ(gate.next_release(), kDelay);
  EXPECT_EQ(gate.Releasable(kDelay - 1, 250), 0u);
  EXPECT_EQ(gate.Releasable(kDelay, 250), 100u);
  EXPECT_EQ(gate.next_release(), 50 * kMillisecond);
  EXPECT_EQ(gate.Releasable(50 * kMillisecond - 1, 250), 100u);
  EXPECT_EQ(gate.Releasable(50 * kMillisecond, 250), 250u);
  EXPECT_EQ(gate.next_release(), kTimeNever);
}

TEST(DelayGate, MarksAreBoundedAndNothingLeavesEarly) {
  DelayGate gate(kDelay);
  const std::size_t messages = DelayGate::kMaxMarks + 1000;
  for (std::size_t i = 1; i <= messages; ++i) {
    gate.Queued(i * 10, static_cast<TimeNs>(i) * kMicrosecond);
  }
  EXPECT_EQ(gate.held_marks(), DelayGate::kMaxMarks);
  // The newest message was queued at `messages` µs: at its release time everything is out,
  // and not a microsecond before.
  const TimeNs last = static_cast<TimeNs>(messages) * kMicrosecond + kDelay;
  EXPECT_LT(gate.Releasable(last - 1, messages * 10), messages * 10);
  EXPECT_EQ(gate.Releasable(last, messages * 10), messages * 10);
}

TEST(LinkDelay, ParsesAndLooksUpByAddress) {
  auto d = ParseLinkDelay("127.0.1.2=12.5");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ip, 0x7f000102u);
  EXPECT_EQ(d->delay, 12'500'000);
  const std::vector<LinkDelay> delays = {*d, {0x7f000103, kDelay}};
  EXPECT_EQ(LinkDelayFor(delays, 0x7f000103), kDelay);
  EXPECT_EQ(LinkDelayFor(delays, 0x7f000104), 0);
  for (std::string_view bad : {"127.0.1.2", "127.0.1.2=", "x=5", "127.0.1.2=-1", "127.0.1.2=20000"}) {
    EXPECT_FALSE(ParseLinkDelay(bad).ok()) << bad;
  }
}

TEST(LinkDelay, DaemonFlagsParse) {
  const std::vector<std::string_view> args = {"--chain", "peerlab-sim", "--datadir", "/tmp/x",
                                              "--link-delay", "127.0.1.2=40", "--source-ip",
                                              "127.0.1.1", "--mine-until", "30"};
  auto parsed = ParseDaemonArgs(args);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->config.link_delays.size(), 1u);
  EXPECT_EQ(parsed->config.link_delays[0].delay, kDelay);
  EXPECT_EQ(parsed->config.source_ip, 0x7f000101u);
  EXPECT_EQ(parsed->config.mine_until, 30 * kSecond);
  const std::vector<std::string_view> bad = {"--chain", "peerlab-sim", "--datadir", "/tmp/x",
                                             "--link-delay", "nope"};
  auto failed = ParseDaemonArgs(bad);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message().rfind("--link-delay: ", 0), 0u);
}

}  // namespace
}  // namespace peerlab::testbed
