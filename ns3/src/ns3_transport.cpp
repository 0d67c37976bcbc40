// Ns3Transport: the engine's messages as bytes over ns-3 TCP (design: ns3/README.md and
// docs/network-model.md, "ns-3 backend").
//
// Framing: each connection end splits its byte stream into whole frames itself (the 24-byte
// header says the payload length), then decodes each whole frame with one ByteSeam shared by
// the transport. Per-end ByteSeams would keep a decoder buffer and a decoded block per end
// (a megabyte each after one block, gigabytes over thousands of connections); the shared one
// is always at a frame boundary when a frame has been fed, so sharing it loses nothing.
#include "peerlab/ns3/ns3_transport.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "peerlab/ns3/packet_network.hpp"
#include "peerlab/bitcoin/byte_seam.hpp"
#include "peerlab/sim/simulation.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::ns3net {
namespace {

constexpr std::size_t kKeepCapacity = 64 * 1024;  // per-end buffers above this are released

class Ns3Transport final : public sim::Transport {
 public:
  explicit Ns3Transport(const sim::SimConfig& config) : net_(NetworkConfig(config)) {}

  void Attach(sim::Simulation& sim) override {
    sim_ = &sim;
    for (std::uint32_t i = 0; i < sim.config().nodes; ++i) {
      PEERLAB_ASSERT(net_.AddHost(sim.upload_bps(i), sim.download_bps(i), sim.node_region(i)) == i);
    }
    decoder_.emplace(bitcoin::wire::kMagicRegtest, 0, sim.store(), sim.tx_store());
    encoder_.emplace(bitcoin::wire::kMagicRegtest, 0, sim.store(), sim.tx_store());
    net_.OnBytes([this](std::uint32_t conn, int end, const std::uint8_t* data, std::size_t n) {
      Received(conn, end, {data, n});
    });
    net_.OnFailed([this](std::uint32_t conn) {
      // TCP gave up: both nodes lose the connection, as from a link failure.
      const End& e = conns_[conn].end[0];
      if (sim_->slot_generation(e.node, e.slot) == e.generation) {
        sim_->DisconnectFromTransport(net_.Now(), e.node, e.slot);
      }
      Rearm();
    });
    net_.OnWake([this] {
      sim_->RunEventsUntil(net_.Now());
      Rearm();
    });
  }

  void Open(std::uint32_t a, bitcoin::PeerId a_slot, std::uint32_t b,
            bitcoin::PeerId b_slot) override {
    const std::uint32_t conn = net_.Connect(a, b);
    Conn c{End{a, a_slot, sim_->slot_generation(a, a_slot), {}, false},
           End{b, b_slot, sim_->slot_generation(b, b_slot), {}, false}};
    if (conn < conns_.size()) {
      conns_[conn] = std::move(c);  // a released id, reused
    } else {
      PEERLAB_ASSERT(conn == conns_.size());
      conns_.push_back(std::move(c));
    }
    conn_of_[Key(a, a_slot)] = conn;
    conn_of_[Key(b, b_slot)] = conn;
  }

  void Close(std::uint32_t node, bitcoin::PeerId slot) override {
    const auto it = conn_of_.find(Key(node, slot));
    PEERLAB_ASSERT(it != conn_of_.end());
    net_.Close(it->second);
  }

  void Send(std::uint32_t node, bitcoin::PeerId slot, const bitcoin::Message& m) override {
    const auto it = conn_of_.find(Key(node, slot));
    PEERLAB_ASSERT(it != conn_of_.end());
    const std::uint32_t conn = it->second;
    const int end = conns_[conn].end[0].node == node && conns_[conn].end[0].slot == slot ? 0 : 1;
    encoder_->Send(m);
    const auto bytes = encoder_->BytesToSend();
    net_.Write(conn, end, bytes.data(), bytes.size());
    encoder_->MarkBytesSent(bytes.size());
  }

  void PartitionChanged() override {
    // Traffic between the sides takes the partition's delay on top of its latency; at the
    // heal it gets its latency back (TCP reorders what overtakes the delayed packets).
    net_.SetPartition(sim_->delay_partition_sides(), sim_->partition_delay());
  }

  void Run(const std::function<void(const sim::ProgressInfo&)>& progress,
           std::uint64_t every_events) override {
    progress_ = progress;
    every_events_ = std::max<std::uint64_t>(every_events, 1);
    Rearm();
    net_.Run();
    sim_->FinishTransportRun(net_.Now());
  }

  std::uint64_t network_events() const override { return net_.events(); }

 private:
  struct End {
    std::uint32_t node;
    bitcoin::PeerId slot;
    std::uint32_t generation;
    std::vector<std::uint8_t> frame;  // the frame being received, header first
    bool failed = false;              // the stream is unusable (bad magic, oversize)
  };
  struct Conn {
    End end[2];
  };

  static PacketNetworkConfig NetworkConfig(const sim::SimConfig& config) {
    PacketNetworkConfig c;
    c.seed = config.seed;
    const std::size_t n = config.regions.names.size();
    PEERLAB_ASSERT(n > 0 && config.regions.latency_ms.size() == n * n);
    c.region_latency_ns.assign(n * n, 0);
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t s = 0; s < n; ++s) {
        c.region_latency_ns[r * n + s] = static_cast<std::int64_t>(
            config.regions.LatencyMs(static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(s)) * 1e6);
      }
    }
    return c;
  }
  static std::uint64_t Key(std::uint32_t node, bitcoin::PeerId slot) {
    return std::uint64_t{node} << 32 | slot;
  }

  static std::uint32_t PayloadLength(const std::vector<std::uint8_t>& frame) {
    std::uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length |= std::uint32_t{frame[16 + i]} << (8 * i);
    return length;
  }

  // Partial reads: bytes arrive in any split; whole frames go to the decoder.
  void Received(std::uint32_t conn, int end, std::span<const std::uint8_t> bytes) {
    End& e = conns_[conn].end[end];  // the receiving end: the messages are for its node
    constexpr std::size_t kHeader = bitcoin::kFrameHeaderBytes;
    auto append = [&](std::size_t n) {
      e.frame.insert(e.frame.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
      bytes = bytes.subspan(n);
    };
    while (!bytes.empty() && !e.failed) {
      if (e.frame.size() < kHeader) {
        append(std::min(bytes.size(), kHeader - e.frame.size()));
        if (e.frame.size() < kHeader) break;
        if (PayloadLength(e.frame) > bitcoin::wire::kMaxPayloadBytes) {
          Decode(e);  // the decoder rejects the header alone: the stream ends
          continue;
        }
      }
      const std::size_t need = kHeader + PayloadLength(e.frame);
      append(std::min(bytes.size(), need - e.frame.size()));
      if (e.frame.size() == need) Decode(e);
    }
    Rearm();  // a node may have set a timer earlier than the next engine event
  }

  void Decode(End& e) {
    const bool usable = decoder_->Receive(e.frame, [&](const bitcoin::Input& in) {
      // The shared decoder names peer 0; the message is for this end's connection.
      bitcoin::Input input = in;
      if (auto* m = std::get_if<bitcoin::MessageReceived>(&input)) m->peer = e.slot;
      if (auto* m = std::get_if<bitcoin::MalformedMessage>(&input)) m->peer = e.slot;
      sim_->DeliverFromTransport(net_.Now(), e.node, e.slot, e.generation, input);
    });
    if (!usable) {
      e.failed = true;  // the node was told (MalformedMessage) and disconnects the peer
      decoder_.emplace(bitcoin::wire::kMagicRegtest, 0, sim_->store(), sim_->tx_store());
    }
    e.frame.clear();
    if (e.frame.capacity() > kKeepCapacity) std::vector<std::uint8_t>().swap(e.frame);
  }

  void Rearm() {
    const TimeNs end = sim_->end_at();
    if (end != kTimeNever && end != stop_at_) {
      net_.StopAt(std::max(end, net_.Now()));
      stop_at_ = end;
    }
    const TimeNs next = sim_->next_event_time();
    if (next != kTimeNever && next <= end) net_.WakeAt(std::max(next, net_.Now()));
    // Engine events are few on this backend (messages, not packets): report on ns-3's own
    // events too, or a long flood would print nothing for minutes.
    if (progress_ && (sim_->events_processed() >= next_progress_ ||
                      net_.events() >= next_network_progress_)) {
      next_progress_ = (sim_->events_processed() / every_events_ + 1) * every_events_;
      next_network_progress_ = (net_.events() / kNetworkProgressEvery + 1) * kNetworkProgressEvery;
      sim::ProgressInfo p = sim_->progress();
      p.network_events = net_.events();
      progress_(p);
    }
  }

  PacketNetwork net_;
  sim::Simulation* sim_ = nullptr;
  std::optional<bitcoin::ByteSeam> decoder_, encoder_;
  std::vector<Conn> conns_;                          // by PacketNetwork connection id
  std::unordered_map<std::uint64_t, std::uint32_t> conn_of_;  // node << 32 | slot -> newest
  TimeNs stop_at_ = kTimeNever;
  std::function<void(const sim::ProgressInfo&)> progress_;
  std::uint64_t every_events_ = 1;
  std::uint64_t next_progress_ = 0;
  static constexpr std::uint64_t kNetworkProgressEvery = 1u << 20;  // ns-3 events
  std::uint64_t next_network_progress_ = kNetworkProgressEvery;
};

}  // namespace

std::unique_ptr<sim::Transport> MakeNs3Transport(const sim::SimConfig& config) {
  return std::make_unique<Ns3Transport>(config);
}

}  // namespace peerlab::ns3net
