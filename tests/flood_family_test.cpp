// The engine's seam, proved by a second protocol family that knows nothing of Bitcoin: flood
// gossip. Rumors start at random nodes (the family's oracle events); a node that hears a rumor
// for the first time forwards it to every other peer. The family has its own message type and
// handles; it runs unchanged over the fast engine's FIFO link model and over ns-3's TCP.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "peerlab/sim/run_events.hpp"
#include "peerlab/sim/regions.hpp"
#include "peerlab/util/rng.hpp"
#ifdef PEERLAB_HAVE_NS3
#include "peerlab/ns3/ns3_transport.hpp"
#endif

namespace peerlab::sim {
namespace {

class FloodGossip final : public Protocol {
 public:
  struct Rumor {
    std::uint32_t id;
    std::uint32_t bytes;
  };

  FloodGossip(Engine& engine, std::uint32_t rumors, std::uint32_t rumor_bytes, std::uint64_t seed)
      : engine_(engine),
        rumor_bytes_(rumor_bytes),
        rng_(seed, 0, RngPurpose{1000}),
        heard_at_(rumors, std::vector<TimeNs>(engine.node_count(), -1)) {}

  void Start() { ScheduleRumor(0); }

  // Hot calls (sim::ProtocolFamily).
  void OnMessage(NodeIndex node, Slot slot, MessageHandle m) {
    const Rumor rumor = messages_[m];
    ReleaseMessage(m);
    ++received_;
    Hear(node, rumor.id, slot);
  }
  void OnTimer(const Event&) { ADD_FAILURE() << "no timers in this family"; }
  void OnOracle(const Event& e) {  // a rumor starts at node e.a
    Hear(e.a, started_, kNoSlot);
    ++started_;
    ScheduleRumor(engine_.now());
  }
  void OnWorkload(const Event&) { ADD_FAILURE() << "no workload in this family"; }
  void Prefetch(const Event&, const Event*) {}

  // sim::Protocol.
  void OnPeerUp(NodeIndex, const PeerUp&) override {}
  void OnPeerDown(NodeIndex, Slot) override {}
  void OnConnectFailed(NodeIndex, Address) override {}
  void OnOffline(NodeIndex) override {}
  void OnOnline(NodeIndex) override {}
  void OnFamilyLifecycle(const Event&) override {}
  void OnHeal(std::uint32_t) override {}
  void ReleaseMessage(MessageHandle m) override {
    ASSERT_TRUE(live_[m]);
    live_[m] = false;
    --live_count_;
  }
  void DeliverFromTransport(NodeIndex node, Slot slot, MessageHandle m) override {
    OnMessage(node, slot, m);
  }
  void RunEventsUntil(TimeNs t) override { RunEvents(engine_, *this, t); }
  std::uint32_t progress_count() const override { return started_; }

  const std::vector<std::vector<TimeNs>>& heard_at() const { return heard_at_; }
  std::uint64_t sent() const { return messages_.size(); }
  std::uint64_t received() const { return received_; }
  std::uint64_t live() const { return live_count_; }

 private:
  static constexpr Slot kNoSlot = UINT32_MAX;

  void ScheduleRumor(TimeNs now) {
    if (started_ >= heard_at_.size()) return;
    const auto gap = static_cast<DurationNs>(rng_.Exponential(static_cast<double>(kSecond)));
    engine_.PushOracle(now + gap, static_cast<std::uint32_t>(rng_.Below(engine_.node_count())));
  }

  void Hear(NodeIndex node, std::uint32_t id, Slot from) {
    if (heard_at_[id][node] >= 0) return;
    heard_at_[id][node] = engine_.now();
    for (Slot s = 0; s < engine_.connection_slots(node); ++s) {
      if (s == from || !engine_.IsOpen(node, s)) continue;
      const auto m = static_cast<MessageHandle>(messages_.size());
      messages_.push_back({id, rumor_bytes_});
      live_.push_back(true);
      ++live_count_;
      engine_.Send(node, s, rumor_bytes_, m);
    }
  }

  Engine& engine_;
  std::uint32_t rumor_bytes_;
  Rng rng_;
  std::vector<std::vector<TimeNs>> heard_at_;  // per rumor, per node; -1: not yet
  std::uint32_t started_ = 0;
  std::vector<Rumor> messages_;  // by handle
  std::vector<bool> live_;
  std::uint64_t live_count_ = 0;
  std::uint64_t received_ = 0;
};

constexpr std::uint32_t kNodes = 24;
constexpr std::uint32_t kDegree = 4;
constexpr std::uint32_t kRumors = 5;

NetworkSpec Spec() {
  NetworkSpec spec;
  spec.seed = 7;
  spec.nodes = kNodes;
  spec.regions = *BuiltinRegionTable("simblock-2019");
  spec.topology.kind = TopologyKind::kRandomRegular;
  spec.topology.degree = kDegree;
  return spec;
}

struct Outcome {
  std::vector<std::vector<TimeNs>> heard_at;
  std::uint64_t sent = 0, received = 0, live = 0;
};

Outcome RunFlood(const NetworkSpec& spec, std::unique_ptr<Transport> transport) {
  std::vector<std::uint32_t> regions;
  for (std::uint32_t i = 0; i < spec.nodes; ++i) regions.push_back(i % spec.regions.size());
  auto built = Engine::Build(spec, regions, std::vector<std::uint32_t>(spec.nodes, 1),
                             std::move(transport));
  EXPECT_TRUE(built.ok()) << built.status().message();
  if (!built.ok()) return {};
  Engine& engine = **built;
  FloodGossip flood(engine, kRumors, 1500, spec.seed);
  engine.SetProtocol(&flood);
  engine.OpenInitialConnections();
  engine.StopAt(120 * kSecond);
  EXPECT_TRUE(engine.SetUpNetworkEvents({}).ok());
  EXPECT_TRUE(engine.SetUpLifecycle(std::vector<bool>(spec.nodes, false), false).ok());
  flood.Start();
  if (Transport* t = engine.transport()) {
    t->Run({}, 1u << 18);
    engine.FinishTransportSnapshots();
  } else {
    RunEvents(engine, flood, kTimeNever);
    engine.FinishRun();
  }
  return {flood.heard_at(), flood.sent(), flood.received(), flood.live()};
}

void ExpectEveryRumorReachedEveryNode(const Outcome& o) {
  ASSERT_EQ(o.heard_at.size(), kRumors);
  for (std::uint32_t r = 0; r < kRumors; ++r) {
    TimeNs origin = kTimeNever;
    for (TimeNs t : o.heard_at[r]) {
      ASSERT_GE(t, 0) << "rumor " << r << " missed a node";
      origin = std::min(origin, t);
    }
    // Every other node heard it later than the origin: at least one link's latency.
    std::uint32_t at_origin_time = 0;
    for (TimeNs t : o.heard_at[r]) at_origin_time += t == origin;
    EXPECT_EQ(at_origin_time, 1u) << "rumor " << r;
  }
  // The origin sends to every peer, every other node to every peer but the one it heard
  // from first: on a regular graph that is d + (n - 1)(d - 1) messages per rumor.
  EXPECT_EQ(o.sent, std::uint64_t{kRumors} * (kDegree + (kNodes - 1) * (kDegree - 1)));
  EXPECT_EQ(o.received, o.sent);  // nothing lost on open connections
  EXPECT_EQ(o.live, 0u);          // every handle came back to the family
}

TEST(FloodFamily, RunsOnTheFifoLinkModelDeterministically) {
  const Outcome a = RunFlood(Spec(), nullptr);
  ExpectEveryRumorReachedEveryNode(a);
  const Outcome b = RunFlood(Spec(), nullptr);
  EXPECT_EQ(a.heard_at, b.heard_at);
}

TEST(FloodFamily, RunsOnSharedUplinks) {
  NetworkSpec spec = Spec();
  spec.link_model = LinkModelKind::kShared;
  ExpectEveryRumorReachedEveryNode(RunFlood(spec, nullptr));
}

TEST(Engine, RefusesNodeCountsItsEventKeysCannotHold) {
  EXPECT_FALSE(Engine::CheckNodeCount(1).ok());
  EXPECT_TRUE(Engine::CheckNodeCount(2).ok());
  // The last node's source is nodes - 1; the oracle, workload, network events and lifecycle
  // follow it, and the last of them must still fit the key's source field.
  EXPECT_TRUE(Engine::CheckNodeCount(Event::kSourceMask - 3).ok());
  EXPECT_FALSE(Engine::CheckNodeCount(Event::kSourceMask - 2).ok());
}

#ifdef PEERLAB_HAVE_NS3
TEST(FloodFamily, RunsOverNs3Tcp) {
  const NetworkSpec spec = Spec();
  const Outcome fast = RunFlood(spec, nullptr);
  const Outcome packet = RunFlood(spec, ns3net::MakeNs3Transport(spec));
  ExpectEveryRumorReachedEveryNode(packet);
  // Same rumors from the same origins at the same times (the family's oracle is the same).
  for (std::uint32_t r = 0; r < kRumors; ++r) {
    const auto first = [](const std::vector<TimeNs>& v) {
      return std::min_element(v.begin(), v.end()) - v.begin();
    };
    EXPECT_EQ(first(fast.heard_at[r]), first(packet.heard_at[r])) << "rumor " << r;
  }
}
#endif

}  // namespace
}  // namespace peerlab::sim
