// LinuxTcpSocket: ns-3.37's TcpSocketBase with the three RTO / RTT behaviours that differ from
// Linux and that, together, stalled block transfers for minutes in the ns-3 backend
// (docs/ns3-validation.md, "Stuck connections: cause and fix"). Private to the ns-3 backend
// (C++17, ns-3 types); packet_network.cpp creates every TCP socket through MakeLinuxTcpSocket.
#pragma once

#include "ns3/internet-module.h"

namespace peerlab::ns3net {

class LinuxTcpSocket : public ns3::TcpSocketBase {
 public:
  static ns3::TypeId GetTypeId();
  LinuxTcpSocket() = default;
  LinuxTcpSocket(const LinuxTcpSocket&) = default;
  ns3::TypeId GetInstanceTypeId() const override { return GetTypeId(); }

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
};

// A LinuxTcpSocket on `node`, set up as ns-3's TcpL4Protocol::CreateSocket sets up its own
// (RTT estimator, congestion control and recovery from TcpL4Protocol's attributes).
ns3::Ptr<ns3::Socket> MakeLinuxTcpSocket(const ns3::Ptr<ns3::Node>& node);

}  // namespace peerlab::ns3net
