// PacketNetwork: byte streams between hosts over ns-3 TCP on point-to-point links, with ns-3's
// Simulator as the clock. This header is the only view the rest of peerlab has of ns-3: plain
// C++17 with no ns-3 types, because ns-3.37's headers do not compile as C++20 with GCC 12
// (the implementation, packet_network.cpp, is built as C++17; see ns3/README.md).
//
// Network shape (docs/network-model.md, "ns-3 backend"): every host is on an access link to
// its region's router, whose two directions have the host's upload and download rates, so all
// of a host's connections share its uplink and downlink as in the fast model. Region routers
// are joined by core point-to-point links (one per region pair, one-way delay the pair's mean
// latency) and each has a loop link to itself carrying traffic between its own hosts with the
// region's latency. Links are O(hosts + regions^2) and fixed at set-up: however many host
// pairs ever connect, nothing is added. Delay partitions use a second, delayed core link per
// region pair, chosen per packet for traffic between the sides. Routing is static and by
// table lookup (global routing would take minutes and gigabytes at 1,000 hosts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace peerlab::ns3net {

struct PacketNetworkConfig {
  std::uint64_t seed = 1;               // RngSeedManager seed and run, and stream base
  std::uint32_t segment_size = 1448;    // TCP MSS with timestamps on a 1500-byte MTU
  std::uint32_t socket_buffer = 4u << 20;  // send and receive buffers (Linux's autotuning max order)
  // Core links never bottleneck (access links do): shared by a region pair's traffic, they
  // send at 1 Tbit/s (12 ns a full segment) and their queues never drop.
  double core_bps = 1e12;
  std::uint32_t core_queue_packets = 1u << 20;
  // One-way latency between regions in ns, row-major regions x regions (a table may be
  // asymmetric; a point-to-point channel has one delay: the pair's mean is used).
  std::vector<std::int64_t> region_latency_ns = {0};
  std::uint32_t access_queue_packets = 1000;  // router -> host drop-tail queue (~1 BDP)
  // Host -> router: Linux's default queueing (see AddHost). With `host_fq_codel`, an FQ-CoDel
  // queue disc with Linux's defaults over a device queue of `host_device_queue_packets`; without
  // it, a drop-tail device queue of `host_queue_packets` that never drops (the backend before
  // 2026-12-06, kept for comparison).
  bool host_fq_codel = true;
  std::uint32_t host_device_queue_packets = 2;
  std::uint32_t host_queue_packets = 1u << 20;
};

// What the hosts' queue discs did, summed over hosts (all zero without `host_fq_codel`).
struct HostQueueStats {
  std::uint64_t enqueued = 0;  // packets accepted by the queue discs
  std::uint64_t dropped_overlimit = 0;  // the 10,240-packet limit was full (fattest flow's head)
  std::uint64_t dropped_codel = 0;      // dropped on dequeue by CoDel
  std::uint64_t marked = 0;             // ECN-marked by CoDel instead of dropped
};

class PacketNetwork {
 public:
  // One connection end: 0 is the opener, 1 the acceptor.
  using BytesFn = std::function<void(std::uint32_t conn, int end, const std::uint8_t* data,
                                     std::size_t size)>;
  using WakeFn = std::function<void()>;
  // TCP gave up on a connection (retransmissions exhausted, reset) while it was open here.
  using FailedFn = std::function<void(std::uint32_t conn)>;

  // Seeds ns-3 and sets TCP defaults. One PacketNetwork at a time per process (ns-3's
  // Simulator is a singleton); the destructor calls Simulator::Destroy.
  explicit PacketNetwork(const PacketNetworkConfig& config);
  ~PacketNetwork();
  PacketNetwork(const PacketNetwork&) = delete;
  PacketNetwork& operator=(const PacketNetwork&) = delete;

  // A host on an access link to `region`'s router; rates in bits per second. Returns its index.
  std::uint32_t AddHost(double upload_bps, double download_bps, std::uint32_t region);
  // Opens a TCP connection from `opener` to `acceptor`. Bytes written before the handshake
  // completes wait. Ids are reused once both sockets of a closed connection are released
  // (after TIME_WAIT): no callback names an id between its close and its reuse.
  std::uint32_t Connect(std::uint32_t opener, std::uint32_t acceptor);
  // Queues bytes on one end; they go into the socket as GetTxAvailable() allows.
  void Write(std::uint32_t conn, int end, const std::uint8_t* data, std::size_t size);
  // Closes both ends (FIN after what the sockets hold; bytes still queued here are dropped).
  void Close(std::uint32_t conn);
  // A delay partition: packets between hosts on different `sides` (one entry per host) take
  // `extra_ns` longer; empty `sides` ends it. Packets already on their way keep their delay.
  void SetPartition(const std::vector<std::uint8_t>& sides, std::int64_t extra_ns);

  void OnBytes(BytesFn fn);
  void OnFailed(FailedFn fn);
  // The driver's clock hooks: one pending wake-up (re-arming replaces it) and one stop time.
  void OnWake(WakeFn fn);
  void WakeAt(std::int64_t t_ns);
  void StopAt(std::int64_t t_ns);
  void Run();  // until stopped or nothing is left
  std::int64_t Now() const;
  std::uint64_t events() const;  // ns-3 events executed so far
  std::uint32_t links() const;   // point-to-point links (access + core), fixed after set-up
  std::uint32_t open_sockets() const;  // TCP sockets not yet closed and released
  HostQueueStats host_queue_stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace peerlab::ns3net
