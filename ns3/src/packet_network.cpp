// Built as C++17 (ns-3.37's headers are not C++20-clean with GCC 12): keep peerlab's C++20
// headers out of this file; packet_network.hpp is its whole interface.
#include "peerlab/ns3/packet_network.hpp"

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include "linux_tcp_socket.hpp"

namespace peerlab::ns3net {
namespace {

constexpr std::uint16_t kPort = 8333;
constexpr std::uint32_t kBase = 0x0A000000;  // 10.0.0.0/8, access links: 2^22 /30 subnets
constexpr std::uint32_t kCoreBase = 0x0B000000;  // 11.0.0.0/8, core links

// Assertions stay on in release builds (peerlab's rule); this file cannot use util/assert.hpp.
#define PN_CHECK(cond)                                                            \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

// Host addresses: host i's access link is subnet i of kBase, the host .1, its router .2.
std::uint32_t HostIndex(const ns3::Ipv4Address& a, std::size_t hosts) {
  const std::uint32_t index = (a.Get() - kBase - 1) / 4;
  PN_CHECK(a.Get() > kBase && index < hosts);
  return index;
}

ns3::Ptr<ns3::Ipv4Route> MakeRoute(const ns3::Ptr<ns3::Ipv4>& ipv4, ns3::Ipv4Address dest,
                                   ns3::Ipv4Address gateway, std::uint32_t interface) {
  ns3::Ptr<ns3::Ipv4Route> r = ns3::Create<ns3::Ipv4Route>();
  r->SetDestination(dest);
  r->SetGateway(gateway);
  r->SetOutputDevice(ipv4->GetNetDevice(interface));
  r->SetSource(ipv4->GetAddress(interface, 0).GetLocal());
  return r;
}

// What every region router reads per packet: where hosts are, and the delay partition.
struct Topology {
  std::vector<std::uint32_t> region_of;  // by host
  std::vector<std::uint8_t> sides;       // by host, while a delay partition is in effect
};

// Routing by table lookup, O(1) per packet (ns-3's Ipv4StaticRouting scans every route, and
// the weak end-system model every interface, per packet). Base for both roles below.
class TableRouting : public ns3::Ipv4RoutingProtocol {
 public:
  void NotifyInterfaceUp(std::uint32_t) override {}
  void NotifyInterfaceDown(std::uint32_t) override {}
  void NotifyAddAddress(std::uint32_t, ns3::Ipv4InterfaceAddress) override {}
  void NotifyRemoveAddress(std::uint32_t, ns3::Ipv4InterfaceAddress) override {}
  void SetIpv4(ns3::Ptr<ns3::Ipv4> ipv4) override { ipv4_ = ipv4; }
  void PrintRoutingTable(ns3::Ptr<ns3::OutputStreamWrapper>, ns3::Time::Unit) const override {}

 protected:
  ns3::Ptr<ns3::Ipv4> ipv4_;
};

// A host sends everything to its region router and takes what is addressed to it.
class HostRouting : public TableRouting {
 public:
  static ns3::TypeId GetTypeId() {
    static ns3::TypeId tid = ns3::TypeId("peerlab::HostRouting")
                                 .SetParent<ns3::Ipv4RoutingProtocol>()
                                 .SetGroupName("Internet");
    return tid;
  }
  void Set(ns3::Ipv4Address local, ns3::Ipv4Address gateway, std::uint32_t interface) {
    local_ = local;
    default_ = MakeRoute(ipv4_, ns3::Ipv4Address::GetAny(), gateway, interface);
  }

  ns3::Ptr<ns3::Ipv4Route> RouteOutput(ns3::Ptr<ns3::Packet>, const ns3::Ipv4Header& header,
                                       ns3::Ptr<ns3::NetDevice>,
                                       ns3::Socket::SocketErrno& error) override {
    error = ns3::Socket::ERROR_NOTERROR;
    ns3::Ptr<ns3::Ipv4Route> out = ns3::Create<ns3::Ipv4Route>(*default_);
    out->SetDestination(header.GetDestination());
    return out;
  }
  bool RouteInput(ns3::Ptr<const ns3::Packet> p, const ns3::Ipv4Header& header,
                  ns3::Ptr<const ns3::NetDevice> idev, UnicastForwardCallback,
                  MulticastForwardCallback, LocalDeliverCallback lcb, ErrorCallback) override {
    if (header.GetDestination() != local_) return false;
    lcb(p, header, ipv4_->GetInterfaceForDevice(idev));
    return true;
  }

 private:
  ns3::Ipv4Address local_;
  ns3::Ptr<ns3::Ipv4Route> default_;
};

// A region router: a packet from one of its hosts goes out on the core link to the
// destination's region (the delayed one if source and destination are on different sides of
// a delay partition); a packet from a core link goes down its host's access link.
class RegionRouting : public TableRouting {
 public:
  static ns3::TypeId GetTypeId() {
    static ns3::TypeId tid = ns3::TypeId("peerlab::RegionRouting")
                                 .SetParent<ns3::Ipv4RoutingProtocol>()
                                 .SetGroupName("Internet");
    return tid;
  }
  void Init(const Topology* topology, std::uint32_t regions) {
    topology_ = topology;
    core_.assign(2 * std::size_t{regions}, nullptr);
  }
  void AddAccess(std::uint32_t host, ns3::Ipv4Address address, std::uint32_t interface) {
    access_[host] = MakeRoute(ipv4_, address, address, interface);
    const std::uint32_t device = ipv4_->GetNetDevice(interface)->GetIfIndex();
    if (from_host_.size() <= device) from_host_.resize(device + 1, false);
    from_host_[device] = true;
  }
  void AddCore(std::uint32_t region, bool delayed, ns3::Ipv4Address gateway,
               std::uint32_t interface) {
    core_[2 * region + delayed] = MakeRoute(ipv4_, ns3::Ipv4Address::GetAny(), gateway, interface);
  }

  ns3::Ptr<ns3::Ipv4Route> RouteOutput(ns3::Ptr<ns3::Packet>, const ns3::Ipv4Header&,
                                       ns3::Ptr<ns3::NetDevice>,
                                       ns3::Socket::SocketErrno& error) override {
    error = ns3::Socket::ERROR_NOROUTETOHOST;  // routers originate nothing
    return nullptr;
  }
  bool RouteInput(ns3::Ptr<const ns3::Packet> p, const ns3::Ipv4Header& header,
                  ns3::Ptr<const ns3::NetDevice> idev, UnicastForwardCallback ucb,
                  MulticastForwardCallback, LocalDeliverCallback, ErrorCallback) override {
    const std::size_t hosts = topology_->region_of.size();
    const std::uint32_t dst = HostIndex(header.GetDestination(), hosts);
    const std::uint32_t device = idev->GetIfIndex();
    if (device < from_host_.size() && from_host_[device]) {
      const std::uint32_t src = HostIndex(header.GetSource(), hosts);
      const std::vector<std::uint8_t>& sides = topology_->sides;
      const bool crossing = !sides.empty() && sides[src] != sides[dst];
      const ns3::Ptr<ns3::Ipv4Route>& route = core_[2 * topology_->region_of[dst] + crossing];
      PN_CHECK(route);
      ucb(route, p, header);
      return true;
    }
    const auto it = access_.find(dst);
    PN_CHECK(it != access_.end());
    ucb(it->second, p, header);
    return true;
  }

 private:
  const Topology* topology_ = nullptr;
  std::unordered_map<std::uint32_t, ns3::Ptr<ns3::Ipv4Route>> access_;  // by host
  std::vector<bool> from_host_;  // by device index: an access link
  std::vector<ns3::Ptr<ns3::Ipv4Route>> core_;  // by region * 2 + delayed
};

template <typename Routing>
class RoutingHelper : public ns3::Ipv4RoutingHelper {
 public:
  RoutingHelper* Copy() const override { return new RoutingHelper(*this); }
  ns3::Ptr<ns3::Ipv4RoutingProtocol> Create(ns3::Ptr<ns3::Node>) const override {
    return ns3::CreateObject<Routing>();
  }
};

template <typename Routing>
ns3::Ptr<Routing> RoutingOf(const ns3::Ptr<ns3::Node>& node) {
  return ns3::DynamicCast<Routing>(node->GetObject<ns3::Ipv4>()->GetRoutingProtocol());
}

}  // namespace

struct PacketNetwork::Impl {
  struct Host {
    ns3::Ptr<ns3::Node> node;
    ns3::Ipv4Address address;  // the host's access address
    ns3::Ptr<ns3::Socket> listener;
  };
  struct End {
    ns3::Ptr<ns3::Socket> socket;  // released once ns-3 has closed it
    std::vector<std::uint8_t> pending;  // written here, not yet in the socket
    std::size_t offset = 0;             // into pending: what went into the socket already
    bool connected = false;
  };
  struct Conn {
    std::uint32_t host[2];
    End end[2];
    bool closed = false;
    int sockets = 0;  // tracked and not yet released
  };
  struct DelayedLink {
    ns3::Ptr<ns3::PointToPointChannel> channel;
    std::int64_t delay_ns;  // without the partition's
  };

  PacketNetworkConfig config;
  std::uint32_t regions = 0;
  Topology topology;
  std::vector<ns3::Ptr<ns3::Node>> routers;  // by region
  std::vector<DelayedLink> delayed;
  std::vector<Host> hosts;
  std::vector<Conn> conns;
  // Connections whose acceptor has not seen them yet: (opener host << 16 | opener port).
  std::map<std::uint64_t, std::uint32_t> awaiting_accept;
  std::unordered_map<const ns3::Socket*, std::pair<std::uint32_t, int>> socket_end;
  // Ids of connections whose sockets are all released, for reuse: a long run opens millions.
  std::vector<std::uint32_t> free_conns;
  std::uint32_t next_core_subnet = 0;
  std::uint32_t link_count = 0;
  std::uint32_t open_sockets = 0;
  std::vector<ns3::Ptr<ns3::QueueDisc>> host_qdiscs;  // by host, with host_fq_codel
  ns3::InternetStackHelper host_stack, router_stack;
  BytesFn on_bytes;
  FailedFn on_failed;
  WakeFn on_wake;
  ns3::EventId wake, stop;
  std::int64_t wake_at = -1;
  std::vector<std::uint8_t> buffer;  // receive scratch

  // Gives a point-to-point link the /30 at `net`: .1 to device 0, .2 to device 1. Returns the
  // interface indexes.
  std::pair<std::uint32_t, std::uint32_t> Address(const ns3::NetDeviceContainer& devices,
                                                  std::uint32_t net, ns3::Ipv4Address* first,
                                                  ns3::Ipv4Address* second) {
    const ns3::Ipv4Mask mask("255.255.255.252");
    std::uint32_t ifs[2];
    for (int i = 0; i < 2; ++i) {
      ns3::Ptr<ns3::NetDevice> dev = devices.Get(i);
      ns3::Ptr<ns3::Ipv4> ip = dev->GetNode()->GetObject<ns3::Ipv4>();
      ifs[i] = ip->AddInterface(dev);
      const ns3::Ipv4Address a(net + 1 + i);
      ip->AddAddress(ifs[i], ns3::Ipv4InterfaceAddress(a, mask));
      ip->SetUp(ifs[i]);
      (i == 0 ? *first : *second) = a;
    }
    ++link_count;
    return {ifs[0], ifs[1]};
  }

  // A core link between regions r <= s (r == s: a loop from r's router to itself) with
  // one-way `delay_ns`; `delayed`: the link delay partitions route crossing traffic over.
  ns3::Ptr<ns3::PointToPointChannel> CoreLink(std::uint32_t r, std::uint32_t s,
                                              std::int64_t delay_ns, bool delayed) {
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(static_cast<std::uint64_t>(config.core_bps))));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(ns3::NanoSeconds(delay_ns)));
    p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize",
                 ns3::QueueSizeValue(ns3::QueueSize(ns3::QueueSizeUnit::PACKETS,
                                                    config.core_queue_packets)));
    ns3::NetDeviceContainer devices = p2p.Install(routers[r], routers[s]);
    PN_CHECK(next_core_subnet < (1u << 22));
    ns3::Ipv4Address at_r, at_s;
    const auto ifs = Address(devices, kCoreBase + 4 * next_core_subnet++, &at_r, &at_s);
    // On a loop, packets leave through device 0 and arrive on device 1 (not an access link).
    RoutingOf<RegionRouting>(routers[r])->AddCore(s, delayed, at_s, ifs.first);
    if (r != s) RoutingOf<RegionRouting>(routers[s])->AddCore(r, delayed, at_r, ifs.second);
    return ns3::DynamicCast<ns3::PointToPointChannel>(devices.Get(0)->GetChannel());
  }

  std::int64_t LatencyNs(std::uint32_t r, std::uint32_t s) const {
    return config.region_latency_ns[std::size_t{r} * regions + s];
  }

  std::uint32_t HostOf(const ns3::Ipv4Address& a) const { return HostIndex(a, hosts.size()); }

  void Track(const ns3::Ptr<ns3::Socket>& s, std::uint32_t conn, int end) {
    socket_end[ns3::PeekPointer(s)] = {conn, end};
    ++open_sockets;
    ++conns[conn].sockets;
    s->SetRecvCallback(ns3::MakeCallback(&Impl::Receive, this));
    s->SetSendCallback(ns3::MakeCallback(&Impl::SpaceAvailable, this));
    s->SetCloseCallbacks(ns3::MakeCallback(&Impl::Closed, this),
                         ns3::MakeCallback(&Impl::Failed, this));
  }

  // ns-3 is done with a socket (closed normally or failed): drop it, or a run with many
  // connections (feelers every two minutes per node) keeps every socket it ever made.
  void Release(const ns3::Ptr<ns3::Socket>& s) {
    const auto it = socket_end.find(ns3::PeekPointer(s));
    if (it == socket_end.end()) return;
    const std::uint32_t conn = it->second.first;
    Conn& c = conns[conn];
    End& e = c.end[it->second.second];
    socket_end.erase(it);
    --open_sockets;
    // Both ends gone (an acceptor end is tracked before its opener end can finish closing):
    // nothing refers to the id any more.
    if (--c.sockets == 0 && c.closed && c.end[1].connected) free_conns.push_back(conn);
    // The socket is still running the callback that brought us here: free it afterwards.
    ns3::Ptr<ns3::Socket> keep = e.socket;
    e.socket = nullptr;
    std::vector<std::uint8_t>().swap(e.pending);
    e.offset = 0;
    ns3::Simulator::ScheduleNow([keep] {});
  }

  void Closed(ns3::Ptr<ns3::Socket> s) { Release(s); }  // only after Close() here

  void Failed(ns3::Ptr<ns3::Socket> s) {
    const auto it = socket_end.find(ns3::PeekPointer(s));
    if (it == socket_end.end()) return;
    const std::uint32_t conn = it->second.first;
    Conn& c = conns[conn];
    if (!c.closed) {  // else closing anyway
      c.closed = true;
      for (End& e : c.end) {
        e.pending.clear();
        if (e.socket && e.socket != s) e.socket->Close();
      }
      if (on_failed) on_failed(conn);
    }
    Release(s);
  }

  void Flush(std::uint32_t conn, int end) {
    Conn& c = conns[conn];
    End& e = c.end[end];
    if (!e.connected || c.closed || !e.socket) return;
    // Partial writes: only what the socket's send buffer takes now; the rest on its callback.
    while (e.offset < e.pending.size()) {
      const std::uint32_t room = e.socket->GetTxAvailable();
      if (room == 0) break;
      const std::size_t n = std::min<std::size_t>(room, e.pending.size() - e.offset);
      const int sent = e.socket->Send(e.pending.data() + e.offset, static_cast<std::uint32_t>(n), 0);
      PN_CHECK(sent == static_cast<int>(n));
      e.offset += n;
    }
    if (e.offset == e.pending.size()) {
      e.pending.clear();
      e.offset = 0;
      // Thousands of idle ends must not each keep a block's worth of buffer.
      if (e.pending.capacity() > (64u << 10)) std::vector<std::uint8_t>().swap(e.pending);
    } else if (e.offset > (1u << 20)) {  // compact now and then, not per write
      e.pending.erase(e.pending.begin(), e.pending.begin() + static_cast<std::ptrdiff_t>(e.offset));
      e.offset = 0;
    }
  }

  void Receive(ns3::Ptr<ns3::Socket> s) {
    const auto it = socket_end.find(ns3::PeekPointer(s));
    if (it == socket_end.end()) {
      // Released already (its connection closed while bytes were still arriving, as when a node
      // drops a stalled peer): nobody hears them.
      while (ns3::Ptr<ns3::Packet> p = s->Recv()) {
        if (p->GetSize() == 0) break;
      }
      return;
    }
    const auto [conn, end] = it->second;
    while (ns3::Ptr<ns3::Packet> p = s->Recv()) {
      if (p->GetSize() == 0) break;
      buffer.resize(p->GetSize());
      p->CopyData(buffer.data(), p->GetSize());
      // Bytes go up after the close too (a message on its way still arrives); the driver
      // decides what a node still hears.
      if (on_bytes) on_bytes(conn, end, buffer.data(), buffer.size());
    }
  }

  void SpaceAvailable(ns3::Ptr<ns3::Socket> s, std::uint32_t) {
    const auto it = socket_end.find(ns3::PeekPointer(s));
    if (it != socket_end.end()) Flush(it->second.first, it->second.second);
  }

  void Connected(ns3::Ptr<ns3::Socket> s) {
    const auto it = socket_end.find(ns3::PeekPointer(s));
    PN_CHECK(it != socket_end.end());
    conns[it->second.first].end[0].connected = true;
    Flush(it->second.first, 0);
  }

  void ConnectFailed(ns3::Ptr<ns3::Socket>) {
    // The engine decides reachability (offline hosts, drop partitions) before it dials, so a
    // dial the network refuses is a driver bug.
    PN_CHECK(false && "ns-3 refused a connection the engine allowed");
  }

  void Accepted(ns3::Ptr<ns3::Socket> s, const ns3::Address& from) {
    const ns3::InetSocketAddress remote = ns3::InetSocketAddress::ConvertFrom(from);
    const std::uint64_t key =
        std::uint64_t{HostOf(remote.GetIpv4())} << 16 | remote.GetPort();
    const auto it = awaiting_accept.find(key);
    PN_CHECK(it != awaiting_accept.end());
    const std::uint32_t conn = it->second;
    awaiting_accept.erase(it);
    End& e = conns[conn].end[1];
    e.socket = s;
    e.connected = true;
    Track(s, conn, 1);
    if (conns[conn].closed) {
      s->Close();
      return;
    }
    Flush(conn, 1);
  }

  void Wake() {
    wake_at = -1;
    if (on_wake) on_wake();
  }
};

PacketNetwork::PacketNetwork(const PacketNetworkConfig& config) : impl_(new Impl) {
  impl_->config = config;
  // Determinism: ns-3 draws from its own generators, seeded here (never from the clock).
  ns3::RngSeedManager::SetSeed(static_cast<std::uint32_t>(config.seed % 0xFFFFFFFEu) + 1);
  ns3::RngSeedManager::SetRun(config.seed >> 32);
  // Linux-like TCP: CUBIC, 200 ms minimum RTO (ns-3's default is RFC 6298's 1 s); SACK,
  // timestamps and an initial window of 10 segments are ns-3's defaults already.
  // Every socket is a LinuxTcpSocket (linux_tcp_socket.hpp): ns-3.37's RTT sampling and
  // timestamp echo differ from Linux in ways that stalled transfers for minutes, and it has no
  // congestion window validation (slow start after idle, growth only when cwnd-limited).
  // LinuxCubic is ns-3's TcpCubic (HyStart and the rest as configured for ns3::TcpCubic) that
  // grows its window only when the sender is cwnd-limited, as Linux does.
  ns3::Config::SetDefault("ns3::TcpL4Protocol::SocketType",
                          ns3::TypeIdValue(LinuxCubic::GetTypeId()));
  ns3::Config::SetDefault("ns3::TcpSocketBase::MinRto", ns3::TimeValue(ns3::MilliSeconds(200)));
  // Linux's delayed-ACK timeout is 40 ms (TCP_DELACK_MIN); ns-3's 200 ms default equals the
  // 200 ms minimum RTO, so a lone segment's ACK came late and fired a spurious RTO each time,
  // collapsing the window to one segment (measured: a 15 kB compact block took 2.7 s a hop).
  ns3::Config::SetDefault("ns3::TcpSocket::DelAckTimeout", ns3::TimeValue(ns3::MilliSeconds(40)));
  ns3::Config::SetDefault("ns3::TcpSocket::SegmentSize", ns3::UintegerValue(config.segment_size));
  // Bitcoin Core sets TCP_NODELAY on its sockets: no Nagle delay for small messages.
  ns3::Config::SetDefault("ns3::TcpSocket::TcpNoDelay", ns3::BooleanValue(true));
  // Linux keeps retransmitting for about 15 minutes (tcp_retries2 = 15) before giving up. With
  // ns-3's 6 retries, and also with 15, ns-3 aborted connections about 90 s into a 20 s delay
  // partition (tests/conformance, DelayPartition...); 100 keeps them, as Linux would.
  ns3::Config::SetDefault("ns3::TcpSocket::DataRetries", ns3::UintegerValue(100));
  ns3::Config::SetDefault("ns3::TcpSocket::SndBufSize", ns3::UintegerValue(config.socket_buffer));
  ns3::Config::SetDefault("ns3::TcpSocket::RcvBufSize", ns3::UintegerValue(config.socket_buffer));
  // A binary heap instead of ns-3's default std::map of events: same order (time, then
  // insertion), fewer allocations; MapScheduler::Insert led the profile at 4 %.
  ns3::ObjectFactory scheduler;
  scheduler.SetTypeId("ns3::HeapScheduler");
  ns3::Simulator::SetScheduler(scheduler);
  Impl& m = *impl_;
  m.host_stack.SetRoutingHelper(RoutingHelper<HostRouting>());
  m.host_stack.SetIpv6StackInstall(false);
  m.router_stack.SetRoutingHelper(RoutingHelper<RegionRouting>());
  m.router_stack.SetIpv6StackInstall(false);
  const std::size_t cells = config.region_latency_ns.size();
  while (std::size_t{m.regions} * m.regions < cells) ++m.regions;
  PN_CHECK(m.regions > 0 && std::size_t{m.regions} * m.regions == cells);
  for (std::uint32_t r = 0; r < m.regions; ++r) {
    m.routers.push_back(ns3::CreateObject<ns3::Node>());
    m.router_stack.Install(m.routers.back());
    // Streams past any host's (AddHost): routers draw nothing today, but must not shift hosts.
    m.router_stack.AssignStreams(ns3::NodeContainer(m.routers.back()), (std::int64_t{1} << 40) + r * 64);
    RoutingOf<RegionRouting>(m.routers.back())->Init(&m.topology, m.regions);
  }
  for (std::uint32_t r = 0; r < m.regions; ++r) {
    for (std::uint32_t s = r; s < m.regions; ++s) {
      const std::int64_t delay = (m.LatencyNs(r, s) + m.LatencyNs(s, r)) / 2;
      m.CoreLink(r, s, delay, false);
      m.delayed.push_back({m.CoreLink(r, s, delay, true), delay});
    }
  }
}

PacketNetwork::~PacketNetwork() {
  impl_->socket_end.clear();
  impl_->conns.clear();
  impl_->hosts.clear();
  impl_->host_qdiscs.clear();
  impl_->delayed.clear();
  impl_->routers.clear();
  ns3::Simulator::Destroy();
}

std::uint32_t PacketNetwork::AddHost(double upload_bps, double download_bps,
                                     std::uint32_t region) {
  Impl& m = *impl_;
  PN_CHECK(region < m.regions && m.hosts.size() < (1u << 22));
  const auto index = static_cast<std::uint32_t>(m.hosts.size());
  Impl::Host h;
  h.node = ns3::CreateObject<ns3::Node>();
  m.host_stack.Install(h.node);
  // Fixed streams per host, so adding hosts never shifts another host's random draws.
  m.host_stack.AssignStreams(ns3::NodeContainer(h.node), static_cast<std::int64_t>(index) * 64);
  ns3::PointToPointHelper p2p;
  p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize",
               ns3::QueueSizeValue(ns3::QueueSize(ns3::QueueSizeUnit::PACKETS,
                                                  m.config.access_queue_packets)));
  ns3::NetDeviceContainer devices = p2p.Install(h.node, m.routers[region]);
  // The host's device sends at its upload rate, the router's at the host's download rate.
  devices.Get(0)->SetAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(static_cast<std::uint64_t>(upload_bps))));
  devices.Get(1)->SetAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(static_cast<std::uint64_t>(download_bps))));
  // The host's uplink queues as a Linux host's does by default: an FQ-CoDel queue disc
  // (RFC 8290; systemd sets net.core.default_qdisc = fq_codel) over a device queue that byte
  // queue limits keep short (docs/ns3-reference.md, settings table). The queue disc serves
  // each connection in turn, one MTU a round, sparse flows first, so a node uploading a block
  // to 20 peers shares its uplink among them about equally; in one deep FIFO a connection's
  // share followed its window. ns-3's Ipv4AddressHelper would install the same queue disc by
  // default (TrafficControlHelper::Default); Address() below assigns addresses by hand, so it
  // is installed here. The router side (router -> host) stays a drop-tail FIFO.
  ns3::Ptr<ns3::NetDevice> host_device = devices.Get(0);
  if (m.config.host_fq_codel) {
    ns3::DynamicCast<ns3::PointToPointNetDevice>(host_device)->GetQueue()->SetMaxSize(
        ns3::QueueSize(ns3::QueueSizeUnit::PACKETS, m.config.host_device_queue_packets));
    // ns-3.37's defaults are Linux's fq_codel defaults (sch_fq_codel.c, fq_codel_init): 1,024
    // flows, a 10,240-packet limit, target 5 ms, interval 100 ms, ECN on, drop batch 64, and
    // a quantum of the device's MTU (Linux: psched_mtu, the MTU plus the link header). Set
    // explicitly so that a change of ns-3's defaults shows here.
    ns3::TrafficControlHelper tch;
    tch.SetRootQueueDisc("ns3::FqCoDelQueueDisc", "Flows", ns3::UintegerValue(1024),
                         "MaxSize", ns3::QueueSizeValue(ns3::QueueSize("10240p")),
                         "Target", ns3::StringValue("5ms"), "Interval", ns3::StringValue("100ms"),
                         "UseEcn", ns3::BooleanValue(true), "DropBatchSize", ns3::UintegerValue(64));
    m.host_qdiscs.push_back(tch.Install(host_device).Get(0));
  } else {
    // Before FQ-CoDel: a FIFO that never drops (a host dropping its own segments at the NIC
    // stalled flows in RTO backoff for minutes, measured: one of 19 uploads took 200 s). The
    // send buffers bound what can queue here.
    ns3::DynamicCast<ns3::PointToPointNetDevice>(host_device)->GetQueue()->SetMaxSize(
        ns3::QueueSize(ns3::QueueSizeUnit::PACKETS, m.config.host_queue_packets));
  }
  ns3::Ipv4Address router_address;
  const auto ifs = m.Address(devices, kBase + 4 * index, &h.address, &router_address);
  RoutingOf<HostRouting>(h.node)->Set(h.address, router_address, ifs.first);
  RoutingOf<RegionRouting>(m.routers[region])->AddAccess(index, h.address, ifs.second);
  m.topology.region_of.push_back(region);
  h.listener = MakeLinuxTcpSocket(h.node);
  PN_CHECK(h.listener->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kPort)) == 0);
  PN_CHECK(h.listener->Listen() == 0);
  h.listener->SetAcceptCallback(
      ns3::MakeNullCallback<bool, ns3::Ptr<ns3::Socket>, const ns3::Address&>(),
      ns3::MakeCallback(&Impl::Accepted, impl_.get()));
  // ns-3's TrafficControlLayer learns a device's queue interface only when its node is
  // initialised (ScanDevices), which ns-3 schedules for time 0, and a send through a queue
  // disc before that crashes: connections open before Run(). The host is complete here.
  if (m.config.host_fq_codel) h.node->Initialize();
  m.hosts.push_back(h);
  return index;
}

std::uint32_t PacketNetwork::Connect(std::uint32_t opener, std::uint32_t acceptor) {
  Impl& m = *impl_;
  PN_CHECK(opener < m.hosts.size() && acceptor < m.hosts.size() && opener != acceptor);
  std::uint32_t conn;
  if (!m.free_conns.empty()) {
    conn = m.free_conns.back();
    m.free_conns.pop_back();
    m.conns[conn] = Impl::Conn();
  } else {
    conn = static_cast<std::uint32_t>(m.conns.size());
    m.conns.emplace_back();
  }
  Impl::Conn& c = m.conns[conn];
  c.host[0] = opener;
  c.host[1] = acceptor;
  ns3::Ptr<ns3::Socket> s = MakeLinuxTcpSocket(m.hosts[opener].node);
  PN_CHECK(s->Bind() == 0);
  ns3::Address local;
  s->GetSockName(local);
  const std::uint16_t port = ns3::InetSocketAddress::ConvertFrom(local).GetPort();
  m.awaiting_accept[std::uint64_t{opener} << 16 | port] = conn;
  c.end[0].socket = s;
  m.Track(s, conn, 0);
  s->SetConnectCallback(ns3::MakeCallback(&Impl::Connected, impl_.get()),
                        ns3::MakeCallback(&Impl::ConnectFailed, impl_.get()));
  PN_CHECK(s->Connect(ns3::InetSocketAddress(m.hosts[acceptor].address, kPort)) == 0);
  return conn;
}

void PacketNetwork::Write(std::uint32_t conn, int end, const std::uint8_t* data, std::size_t size) {
  Impl::Conn& c = impl_->conns.at(conn);
  if (c.closed) return;
  Impl::End& e = c.end[end];
  e.pending.insert(e.pending.end(), data, data + size);
  impl_->Flush(conn, end);
}

void PacketNetwork::Close(std::uint32_t conn) {
  Impl::Conn& c = impl_->conns.at(conn);
  if (c.closed) return;
  c.closed = true;
  for (Impl::End& e : c.end) {
    e.pending.clear();
    e.offset = 0;
    // An acceptor end not yet accepted is closed when it is (Accepted).
    if (e.socket) e.socket->Close();
  }
}

void PacketNetwork::SetPartition(const std::vector<std::uint8_t>& sides, std::int64_t extra_ns) {
  Impl& m = *impl_;
  PN_CHECK(sides.empty() || sides.size() == m.hosts.size());
  m.topology.sides = sides;
  for (const Impl::DelayedLink& link : m.delayed) {
    link.channel->SetAttribute("Delay", ns3::TimeValue(ns3::NanoSeconds(link.delay_ns + extra_ns)));
  }
}

void PacketNetwork::OnBytes(BytesFn fn) { impl_->on_bytes = std::move(fn); }
void PacketNetwork::OnFailed(FailedFn fn) { impl_->on_failed = std::move(fn); }
void PacketNetwork::OnWake(WakeFn fn) { impl_->on_wake = std::move(fn); }

void PacketNetwork::WakeAt(std::int64_t t_ns) {
  Impl& m = *impl_;
  if (m.wake_at == t_ns) return;
  if (m.wake_at >= 0) ns3::Simulator::Cancel(m.wake);
  const std::int64_t now = ns3::Simulator::Now().GetNanoSeconds();
  PN_CHECK(t_ns >= now);
  m.wake_at = t_ns;
  m.wake = ns3::Simulator::Schedule(ns3::NanoSeconds(t_ns - now), &Impl::Wake, impl_.get());
}

void PacketNetwork::StopAt(std::int64_t t_ns) {
  ns3::Simulator::Cancel(impl_->stop);
  impl_->stop = ns3::Simulator::Schedule(
      ns3::NanoSeconds(t_ns - ns3::Simulator::Now().GetNanoSeconds()), [] { ns3::Simulator::Stop(); });
}

void PacketNetwork::Run() { ns3::Simulator::Run(); }
std::int64_t PacketNetwork::Now() const { return ns3::Simulator::Now().GetNanoSeconds(); }
std::uint64_t PacketNetwork::events() const { return ns3::Simulator::GetEventCount(); }
std::uint32_t PacketNetwork::links() const { return impl_->link_count; }
std::uint32_t PacketNetwork::open_sockets() const { return impl_->open_sockets; }

HostQueueStats PacketNetwork::host_queue_stats() const {
  HostQueueStats out;
  for (const auto& q : impl_->host_qdiscs) {
    const ns3::QueueDisc::Stats& st = q->GetStats();
    out.enqueued += st.nTotalEnqueuedPackets;
    // Drops in a flow's CoDel queue are in the parent's totals too; the only drop of
    // FQ-CoDel's own is the overlimit one.
    const std::uint64_t overlimit = st.GetNDroppedPackets(ns3::FqCoDelQueueDisc::OVERLIMIT_DROP);
    out.dropped_overlimit += overlimit;
    out.dropped_codel += st.nTotalDroppedPackets - overlimit;
    out.marked += st.nTotalMarkedPackets;
  }
  return out;
}

}  // namespace peerlab::ns3net
