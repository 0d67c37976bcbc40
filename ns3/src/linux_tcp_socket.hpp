// LinuxTcpSocket: ns-3.37's TcpSocketBase with the three RTO / RTT behaviours that differ from
// Linux and that, together, stalled block transfers for minutes in the ns-3 backend
// (docs/ns3-reference.md, "Stuck connections: cause and fix"), and with Linux's congestion
// window validation (RFC 2861 as Linux does it by default, net.ipv4.tcp_slow_start_after_idle
// = 1): slow start after idle, window growth only when the window limits the sender, and the
// decay of a window the application leaves unused. Private to the ns-3 backend (C++17, ns-3
// types); packet_network.cpp creates every TCP socket through MakeLinuxTcpSocket.
#pragma once

#include <cstdint>
#include <deque>

#include "ns3/internet-module.h"

namespace peerlab::ns3net {

// ns-3.37's TcpCubic, growing its window only when the sender is cwnd-limited, as Linux's
// cubictcp_cong_avoid does (`if (!tcp_is_cwnd_limited(sk)) return;`). ns-3.37 calls
// IncreaseWindow on every ACK of new data in CA_OPEN and CA_LOSS (TcpSocketBase::ProcessAck)
// and TcpCubic::IncreaseWindow grows the window whether or not it was used, so a connection
// that only ever carries small messages keeps doubling a window it never fills. The usage
// state (Linux's is_cwnd_limited and max_packets_out) is fed by LinuxTcpSocket on every
// segment of new data it sends (tcp_cwnd_validate).
class LinuxCubic : public ns3::TcpCubic {
 public:
  static ns3::TypeId GetTypeId();
  LinuxCubic() = default;
  LinuxCubic(const LinuxCubic&) = default;
  std::string GetName() const override { return "LinuxCubic"; }
  ns3::Ptr<ns3::TcpCongestionOps> Fork() override;
  void IncreaseWindow(ns3::Ptr<ns3::TcpSocketState> tcb, std::uint32_t segments_acked) override;

  // Linux's tcp_cwnd_validate, first part: remembers, per window of data, whether the window
  // limited the sender, else the most segments it had out.
  void RecordUsage(bool is_cwnd_limited, std::uint32_t packets_out, ns3::SequenceNumber32 snd_una,
                   ns3::SequenceNumber32 snd_nxt);
  // Linux's tcp_is_cwnd_limited (include/net/tcp.h).
  bool IsCwndLimited(const ns3::TcpSocketState& tcb) const;

 private:
  bool is_cwnd_limited_ = false;
  std::uint32_t max_packets_out_ = 0;
  ns3::SequenceNumber32 cwnd_usage_seq_{0};
};

class LinuxTcpSocket : public ns3::TcpSocketBase {
 public:
  static ns3::TypeId GetTypeId();
  LinuxTcpSocket() = default;
  LinuxTcpSocket(const LinuxTcpSocket&) = default;
  ns3::TypeId GetInstanceTypeId() const override { return GetTypeId(); }
  // Restarts the window after idle (Linux's tcp_slow_start_after_idle_check) before queueing
  // the application's data.
  int Send(ns3::Ptr<ns3::Packet> p, std::uint32_t flags) override;

 protected:
  // Accepted sockets are forks of the listener: they must be LinuxTcpSockets too.
  ns3::Ptr<ns3::TcpSocketBase> Fork() override;
  // Records the ACK a data segment carries as the last ACK sent (RFC 7323's Last.ACK.sent).
  std::uint32_t SendDataPacket(ns3::SequenceNumber32 seq, std::uint32_t max_size,
                               bool with_ack) override;
  // Takes the timestamp RTT sample on every ACK of new data, retransmitted or not (Linux).
  void EstimateRtt(const ns3::TcpHeader& header) override;
  // Keeps the RTO at or under Linux's TCP_RTO_MAX once a new ACK re-arms the timer.
  void NewAck(const ns3::SequenceNumber32& ack, bool reset_rto) override;

 private:
  void BoundRto();
  // Linux's tcp_cwnd_validate after a segment of new data: usage for window growth, and the
  // decay of a window the application has left unused for an RTO.
  void ValidateCwnd();
  void CwndRestart(ns3::Time idle);
  void CwndApplicationLimited();
  std::uint32_t CurrentSsThresh() const;

  // Linux's lsndtime: when the last segment carrying data (new or retransmitted) left.
  ns3::Time last_data_sent_ = ns3::Time::Min();
  // Linux's snd_cwnd_stamp and snd_cwnd_used (segments): since when the window has gone
  // unfilled, and the most segments out meanwhile.
  ns3::Time cwnd_stamp_ = ns3::Time::Min();
  std::uint32_t cwnd_used_ = 0;
  // End sequence of every segment of new data sent and not yet cumulatively acknowledged:
  // its size is Linux's packets_out (segments, not bytes: a 61-byte inv is one packet).
  std::deque<ns3::SequenceNumber32> segments_out_;
};

// A LinuxTcpSocket on `node`, set up as ns-3's TcpL4Protocol::CreateSocket sets up its own
// (RTT estimator, congestion control and recovery from TcpL4Protocol's attributes).
ns3::Ptr<ns3::Socket> MakeLinuxTcpSocket(const ns3::Ptr<ns3::Node>& node);

}  // namespace peerlab::ns3net
