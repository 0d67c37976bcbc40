// PacketNetwork: byte streams between hosts over ns-3 TCP on point-to-point links, with ns-3's
// Simulator as the clock. This header is the only view the rest of peerlab has of ns-3: plain
// C++17 with no ns-3 types, because ns-3.37's headers do not compile as C++20 with GCC 12
// (the implementation, packet_network.cpp, is built as C++17; see ns3/README.md).
//
// Network shape (docs/network-model.md, "ns-3 backend"): every host sits behind its own edge
// router on an access link whose two directions have the host's upload and download rates, so
// all of a host's connections share its uplink and downlink as in the fast model. A connection
// between two hosts runs over a core point-to-point link between their edge routers (one per
// host pair, created on first use) with the pair's one-way latency. Each link is a /30 and
// routes are static: a host's default route is its router, a router has a host route per peer
// host it has a core link to (global routing would take minutes and gigabytes at 1,000 hosts).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace peerlab::ns3net {

struct PacketNetworkConfig {
  std::uint64_t seed = 1;               // RngSeedManager seed and run, and stream base
  std::uint32_t segment_size = 1448;    // TCP MSS with timestamps on a 1500-byte MTU
  std::uint32_t socket_buffer = 4u << 20;  // send and receive buffers (Linux's autotuning max order)
  double core_bps = 10e9;               // core links never bottleneck: access links do
  std::uint32_t access_queue_packets = 1000;  // router -> host drop-tail queue (~1 BDP)
  std::uint32_t host_queue_packets = 1u << 20;  // host -> router: never drops (see AddHost)
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

  // A host with its edge router and access link; rates in bits per second. Returns its index.
  std::uint32_t AddHost(double upload_bps, double download_bps);
  // Opens a TCP connection from `opener` to `acceptor`; their routers get a core link of
  // one-way `latency_ns` if they have none. Bytes written before the handshake completes wait.
  std::uint32_t Connect(std::uint32_t opener, std::uint32_t acceptor, std::int64_t latency_ns);
  // Queues bytes on one end; they go into the socket as GetTxAvailable() allows.
  void Write(std::uint32_t conn, int end, const std::uint8_t* data, std::size_t size);
  // Closes both ends (FIN after what the sockets hold; bytes still queued here are dropped).
  void Close(std::uint32_t conn);
  // Sets the one-way latency of the core link between two hosts' routers (if any).
  void SetLatency(std::uint32_t a, std::uint32_t b, std::int64_t latency_ns);

  void OnBytes(BytesFn fn);
  void OnFailed(FailedFn fn);
  // The driver's clock hooks: one pending wake-up (re-arming replaces it) and one stop time.
  void OnWake(WakeFn fn);
  void WakeAt(std::int64_t t_ns);
  void StopAt(std::int64_t t_ns);
  void Run();  // until stopped or nothing is left
  std::int64_t Now() const;
  std::uint64_t events() const;  // ns-3 events executed so far
  std::uint32_t links() const;   // point-to-point links created (access + core)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace peerlab::ns3net
