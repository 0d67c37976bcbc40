// The engine's connection rules (docs/network-model.md, "Connections"): a dial and a close change
// only the acting node's state at once, and the other end learns when the SYN or FIN reaches
// it; deliveries to a closed end or to a reused slot are dropped on arrival. These are what let
// node events run in parallel shards, so each rule is pinned here with exact times.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

#include "peerlab/sim/run_events.hpp"

namespace peerlab::sim {
namespace {

constexpr DurationNs kLatency = 50 * kMillisecond;

// A family run by a script: timers fire the actions the test arms, and everything the engine
// reports is recorded with its time.
class Script final : public Protocol {
 public:
  explicit Script(Engine& engine) : engine_(engine) {}

  void At(NodeIndex node, TimeNs at, std::function<void()> action) {
    engine_.SetTimer(node, at, static_cast<std::uint32_t>(actions_.size()), 0);
    actions_.push_back(std::move(action));
  }
  // `from` sends a 100-byte message on `slot`; its handle is returned.
  MessageHandle Send(NodeIndex from, Slot slot) {
    const auto m = static_cast<MessageHandle>(live_.size());
    live_.push_back(true);
    engine_.Send(from, slot, 100, m);
    return m;
  }

  void OnMessage(NodeIndex node, Slot slot, MessageHandle m) {
    received.push_back({engine_.now(), node, slot, m});
    live_[m] = false;
  }
  void OnTimer(const Event& e) { actions_[e.b](); }
  void OnOracle(const Event&) {}
  void OnWorkload(const Event&) {}
  void Prefetch(const Event&, const Event*) {}

  void OnPeerUp(NodeIndex node, const PeerUp& up) override {
    ups.push_back({engine_.now(), node, up.slot, up.inbound});
  }
  void OnPeerDown(NodeIndex node, Slot slot) override {
    downs.push_back({engine_.now(), node, slot, false});
  }
  void OnConnectFailed(NodeIndex node, Address) override {
    failures.push_back({engine_.now(), node, 0, false});
  }
  void OnOffline(NodeIndex) override {}
  void OnOnline(NodeIndex) override {}
  void OnFamilyLifecycle(const Event&) override {}
  void OnHeal(std::uint32_t) override {}
  void ReleaseMessage(MessageHandle m) override {
    ASSERT_TRUE(live_[m]);
    live_[m] = false;
    released.push_back(m);
  }
  void DeliverFromTransport(NodeIndex node, Slot slot, MessageHandle m) override {
    OnMessage(node, slot, m);
  }
  void RunEventsUntil(TimeNs t) override { RunEvents(engine_, *this, t); }
  std::uint32_t progress_count() const override { return 0; }

  struct Note {
    TimeNs at;
    NodeIndex node;
    std::uint32_t slot_or_message;
    bool inbound;
  };
  std::vector<Note> ups, downs, failures;
  struct Arrival {
    TimeNs at;
    NodeIndex node;
    Slot slot;
    MessageHandle m;
  };
  std::vector<Arrival> received;
  std::vector<MessageHandle> released;

 private:
  Engine& engine_;
  std::vector<std::function<void()>> actions_;
  std::vector<bool> live_;
};

// Three nodes in one region, 50 ms apart, no jitter, no initial connections; FIFO pipes so a
// 100-byte message costs 50 ms plus a few microseconds.
struct Net {
  Net() {
    spec.seed = 3;
    spec.nodes = 3;
    spec.regions.source = "inline";
    spec.regions.names = {"one"};
    spec.regions.node_share = {1.0};
    spec.regions.latency_ms = {50};
    spec.regions.upload_bps = {1e9};
    spec.regions.download_bps = {1e9};
    spec.jitter.kind = JitterKind::kNone;
    spec.link_model = LinkModelKind::kFifo;
    spec.topology.kind = TopologyKind::kRandomRegular;
    spec.topology.degree = 2;
    auto built = Engine::Build(spec, {0, 0, 0}, {1, 1, 1}, nullptr);
    EXPECT_TRUE(built.ok());
    engine = std::move(built).value();
    script = std::make_unique<Script>(*engine);
    engine->SetProtocol(script.get());
    engine->edges().clear();
    engine->OpenInitialConnections();
    EXPECT_TRUE(engine->SetUpNetworkEvents({}).ok());
    EXPECT_TRUE(engine->SetUpLifecycle(std::vector<bool>(3, false), false).ok());
  }
  void Run() {
    RunEvents(*engine, *script, kTimeNever);
    engine->FinishRun();
  }
  NetworkSpec spec;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Script> script;
};

TEST(EngineConnections, ADialTakesTheTargetsSlotWhenTheSynArrives) {
  Net net;
  Engine& e = *net.engine;
  std::uint32_t target_slots_at_dial = 99;
  net.script->At(0, kSecond, [&] {
    EXPECT_EQ(e.Connect(0, Engine::AddressOf(1), ConnectionKind{}), 1u);
    target_slots_at_dial = e.connection_slots(1);
  });
  net.Run();
  EXPECT_EQ(target_slots_at_dial, 0u);  // nothing of the target's changed at the dial
  ASSERT_EQ(net.script->ups.size(), 2u);
  // The target hears at the SYN's arrival, the dialer at the SYN-ACK's.
  EXPECT_EQ(net.script->ups[0].node, 1u);
  EXPECT_TRUE(net.script->ups[0].inbound);
  EXPECT_EQ(net.script->ups[0].at, kSecond + kLatency);
  EXPECT_EQ(net.script->ups[1].node, 0u);
  EXPECT_FALSE(net.script->ups[1].inbound);
  EXPECT_EQ(net.script->ups[1].at, kSecond + 2 * kLatency);
  EXPECT_TRUE(e.IsOpen(0, 0) && e.IsOpen(1, 0));
  EXPECT_EQ(e.remote_slot(0, 0), 0u);
  EXPECT_EQ(e.peer_node(1, 0), 0u);
}

TEST(EngineConnections, AClosedEndDropsWhatThePeerSendsBeforeTheFinReachesIt) {
  Net net;
  Engine& e = *net.engine;
  Script& s = *net.script;
  MessageHandle late = 0, early = 0;
  bool remote_open_at_close = false;
  net.script->At(0, kSecond, [&] { e.Connect(0, Engine::AddressOf(1), ConnectionKind{}); });
  // Connected at 1.1 s. Node 1 sends at 2 s (arrives 2.05 s, before the close).
  s.At(1, 2 * kSecond, [&] { early = s.Send(1, 0); });
  // Node 0 closes at 3 s; node 1 sends 10 ms later, before the FIN reaches it (3.05 s).
  s.At(0, 3 * kSecond, [&] {
    e.Close(0, 0);
    remote_open_at_close = e.IsOpen(1, 0);
  });
  s.At(1, 3 * kSecond + 10 * kMillisecond, [&] { late = s.Send(1, 0); });
  net.Run();
  EXPECT_TRUE(remote_open_at_close);  // the other end learns from the FIN, not at once
  ASSERT_EQ(s.received.size(), 1u);
  EXPECT_EQ(s.received[0].m, early);
  EXPECT_EQ(s.released, std::vector<MessageHandle>{late});  // dropped on arrival at node 0
  ASSERT_EQ(s.downs.size(), 1u);
  EXPECT_EQ(s.downs[0].node, 1u);
  EXPECT_EQ(s.downs[0].at, 3 * kSecond + kLatency);
  EXPECT_FALSE(e.IsOpen(1, 0));
}

TEST(EngineConnections, AReusedSlotGetsNothingOfItsOldConnection) {
  Net net;
  Engine& e = *net.engine;
  Script& s = *net.script;
  MessageHandle stale = 0, fresh = 0;
  s.At(0, kSecond, [&] { e.Connect(0, Engine::AddressOf(1), ConnectionKind{}); });
  // Node 1 sends at 3 s; node 0 closes 1 ms later and at once dials node 2 from the same slot,
  // so the message (arriving 3.05 s) finds slot 0 serving the new connection.
  s.At(1, 3 * kSecond, [&] { stale = s.Send(1, 0); });
  s.At(0, 3 * kSecond + kMillisecond, [&] {
    e.Close(0, 0);
    e.Connect(0, Engine::AddressOf(2), ConnectionKind{});
    EXPECT_EQ(e.peer_node(0, 0), 2u);  // the freed slot serves the new connection
  });
  s.At(2, 4 * kSecond, [&] { fresh = s.Send(2, 0); });
  net.Run();
  ASSERT_EQ(s.received.size(), 1u);
  EXPECT_EQ(s.received[0].m, fresh);
  EXPECT_EQ(s.received[0].slot, 0u);
  EXPECT_EQ(s.released, std::vector<MessageHandle>{stale});
}

TEST(EngineConnections, AConnectionClosedDuringItsHandshakeFailsAtTheDialerAndClosesAtTheTarget) {
  Net net;
  Engine& e = *net.engine;
  Script& s = *net.script;
  s.At(0, kSecond, [&] {
    e.Connect(0, Engine::AddressOf(1), ConnectionKind{});
    EXPECT_TRUE(e.Disconnect(0, 0));  // a fault, before the SYN has arrived
  });
  net.Run();
  // The SYN still arrives and the target accepts; the SYN-ACK finds the dialer's end closed:
  // the dialer fails, and its FIN closes the target's end one latency later.
  ASSERT_EQ(s.ups.size(), 1u);
  EXPECT_EQ(s.ups[0].node, 1u);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_EQ(s.failures[0].node, 0u);
  EXPECT_EQ(s.failures[0].at, kSecond + 2 * kLatency);
  ASSERT_EQ(s.downs.size(), 1u);
  EXPECT_EQ(s.downs[0].node, 1u);
  EXPECT_EQ(s.downs[0].at, kSecond + 3 * kLatency);
  EXPECT_FALSE(e.IsOpen(0, 0) || e.IsOpen(1, 0));
}

}  // namespace
}  // namespace peerlab::sim
