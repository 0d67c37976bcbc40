// Ns3Transport: the engine's messages as bytes over ns-3 TCP (design: ns3/README.md and
// docs/network-model.md, "ns-3 backend"), for any protocol family.
//
// A message is its byte count and the family's handle (sim/transport.hpp): the transport
// writes that many bytes into the connection's TCP stream and queues the handle at the
// sending end; the receiving end counts the bytes that arrive and hands each handle back when
// its last byte is in. TCP keeps the stream in order, so the queue's order is the arrival
// order. The bytes are zeros: ns-3's TCP and links act on sizes, never on content, so
// timing is what real frames of those sizes would get (the Bitcoin family's sizes are its
// encoded frames', checked by wire-check mode).
#include "peerlab/ns3/ns3_transport.hpp"

#include <algorithm>
#include <deque>
#include <span>
#include <unordered_map>
#include <vector>

#include "peerlab/ns3/packet_network.hpp"
#include "peerlab/sim/engine.hpp"
#include "peerlab/util/assert.hpp"

namespace peerlab::ns3net {
namespace {

class Ns3Transport final : public sim::Transport {
 public:
  explicit Ns3Transport(const sim::NetworkSpec& config) : net_(NetworkConfig(config)) {}

  void Attach(sim::Engine& sim) override {
    sim_ = &sim;
    for (std::uint32_t i = 0; i < sim.node_count(); ++i) {
      PEERLAB_ASSERT(net_.AddHost(sim.upload_bps(i), sim.download_bps(i), sim.node_region(i)) == i);
    }
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

  void Open(std::uint32_t a, std::uint32_t a_slot, std::uint32_t b,
            std::uint32_t b_slot) override {
    const std::uint32_t conn = net_.Connect(a, b);
    Conn c{End{a, a_slot, sim_->slot_generation(a, a_slot), {}},
           End{b, b_slot, sim_->slot_generation(b, b_slot), {}}};
    if (conn < conns_.size()) {
      // A released id, reused: what the old connection never delivered is dropped now (late
      // bytes of a closed connection could still arrive until then).
      for (End& e : conns_[conn].end) {
        for (const InFlight& f : e.incoming) sim_->ReleaseMessage(f.message);
      }
      conns_[conn] = std::move(c);
    } else {
      PEERLAB_ASSERT(conn == conns_.size());
      conns_.push_back(std::move(c));
    }
    conn_of_[Key(a, a_slot)] = conn;
    conn_of_[Key(b, b_slot)] = conn;
  }

  void Close(std::uint32_t node, std::uint32_t slot) override {
    const auto it = conn_of_.find(Key(node, slot));
    PEERLAB_ASSERT(it != conn_of_.end());
    net_.Close(it->second);
  }

  void Send(std::uint32_t node, std::uint32_t slot, std::uint32_t bytes,
            std::uint32_t message) override {
    const auto it = conn_of_.find(Key(node, slot));
    PEERLAB_ASSERT(it != conn_of_.end());
    const std::uint32_t conn = it->second;
    const int end = conns_[conn].end[0].node == node && conns_[conn].end[0].slot == slot ? 0 : 1;
    PEERLAB_ASSERT(bytes > 0);  // a message of no bytes would never be seen to arrive
    conns_[conn].end[1 - end].incoming.push_back({bytes, message});
    if (zeros_.size() < bytes) zeros_.resize(bytes);
    net_.Write(conn, end, zeros_.data(), bytes);
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
  std::vector<std::pair<std::string, std::uint64_t>> network_counters() const override {
    const HostQueueStats q = net_.host_queue_stats();
    return {{"host_queue_enqueued", q.enqueued},
            {"host_queue_dropped_codel", q.dropped_codel},
            {"host_queue_dropped_overlimit", q.dropped_overlimit},
            {"host_queue_ecn_marked", q.marked}};
  }

 private:
  struct InFlight {
    std::uint32_t remaining;  // bytes still to arrive
    std::uint32_t message;
  };
  struct End {
    std::uint32_t node;
    std::uint32_t slot;
    std::uint32_t generation;
    std::deque<InFlight> incoming;  // messages to this end, in stream order
  };
  struct Conn {
    End end[2];
  };

  static PacketNetworkConfig NetworkConfig(const sim::NetworkSpec& config) {
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
  static std::uint64_t Key(std::uint32_t node, std::uint32_t slot) {
    return std::uint64_t{node} << 32 | slot;
  }

  // Bytes arrive in any split; each message is handed back when its last byte is in.
  void Received(std::uint32_t conn, int end, std::span<const std::uint8_t> bytes) {
    End& e = conns_[conn].end[end];  // the receiving end: the messages are for its node
    std::size_t n = bytes.size();
    while (n > 0) {
      PEERLAB_ASSERT(!e.incoming.empty());  // TCP delivers only what was written
      InFlight& f = e.incoming.front();
      const auto take = static_cast<std::uint32_t>(std::min<std::size_t>(n, f.remaining));
      f.remaining -= take;
      n -= take;
      if (f.remaining > 0) break;
      const std::uint32_t message = f.message;
      e.incoming.pop_front();
      sim_->DeliverFromTransport(net_.Now(), e.node, e.slot, e.generation, message);
    }
    Rearm();  // a node may have set a timer earlier than the next engine event
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
  sim::Engine* sim_ = nullptr;
  std::vector<std::uint8_t> zeros_;  // what is written: sizes matter, content does not
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

std::unique_ptr<sim::Transport> MakeNs3Transport(const sim::NetworkSpec& config) {
  return std::make_unique<Ns3Transport>(config);
}

}  // namespace peerlab::ns3net
