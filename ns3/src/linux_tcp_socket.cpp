// Built as C++17 with ns-3.37 (see packet_network.cpp). Line numbers cited below are those of
// ns-3.37's src/internet/model/tcp-socket-base.cc.
#include "linux_tcp_socket.hpp"

#include <algorithm>

namespace peerlab::ns3net {
namespace {

// Linux's TCP_RTO_MAX (include/net/tcp.h: 120 * HZ). ns-3.37 caps only the doubled RTO of a
// timeout (60 s, ReTxTimeout), never the RTO computed from RTT samples.
const ns3::Time kRtoMax = ns3::Seconds(120);

}  // namespace

ns3::TypeId LinuxTcpSocket::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("peerlab::LinuxTcpSocket")
                               .SetParent<ns3::TcpSocketBase>()
                               .SetGroupName("Internet")
                               .AddConstructor<LinuxTcpSocket>();
  return tid;
}

ns3::Ptr<ns3::TcpSocketBase> LinuxTcpSocket::Fork() {
  return ns3::CopyObject<LinuxTcpSocket>(this);
}

// ns-3.37 updates m_highTxAck (Last.ACK.sent) only in SendEmptyPacket (line 2831), not when
// the ACK rides on a data segment. ProcessOptionTimestamp (line 4351) then refuses to take the
// peer's new TSval into TS.Recent (it requires SEG.SEQ <= Last.ACK.sent), so on a
// request/response connection (inv, getdata, block: every ACK piggybacked) TS.Recent stays at
// a value from the handshake and every later echo is minutes old. The peer's RTT samples are
// then the connection's age (measured: a 17.8 s sample 17.9 s into a connection with a 22 ms
// RTT; RTOs of 100 to 900 s after a few such samples). RFC 7323 ("Which Timestamp to Echo",
// as RFC 1323) defines Last.ACK.sent as the ACK field of the last segment sent, of any kind;
// Linux's equivalent, rcv_wup, is set on every segment it transmits (tcp_select_window), and
// tcp_replace_ts_recent compares against it.
std::uint32_t LinuxTcpSocket::SendDataPacket(ns3::SequenceNumber32 seq, std::uint32_t max_size,
                                             bool with_ack) {
  const std::uint32_t sent = ns3::TcpSocketBase::SendDataPacket(seq, max_size, with_ack);
  if (with_ack && m_highTxAck < m_tcb->m_rxBuffer->NextRxSequence()) {
    m_highTxAck = m_tcb->m_rxBuffer->NextRxSequence();
  }
  return sent;
}

// ns-3.37's EstimateRtt (line 3622) takes no sample when the acknowledged segment was
// retransmitted (Karn's rule), even with timestamps, and clears its history on every timeout.
// When queueing delay exceeds the RTO, every segment is retransmitted spuriously before its
// ACK comes back, so no sample is ever taken, the RTO never learns the longer RTT, and the
// connection sends one segment per timeout (measured: a 1 MB block at one 1448-byte segment
// every 0.29 s, 190 s for the last node). Linux (tcp_ack_update_rtt) takes now - TSecr as the
// sample on any ACK that acknowledges new data, retransmitted or not, as RFC 7323 uses TSecr:
// the echoed timestamp identifies the transmission being acknowledged.
void LinuxTcpSocket::EstimateRtt(const ns3::TcpHeader& header) {
  const ns3::SequenceNumber32 ack = header.GetAckNumber();
  const bool timestamped = m_timestampEnabled && header.HasOption(ns3::TcpOption::TS);
  if (!timestamped || m_state.Get() < ESTABLISHED || (header.GetFlags() & ns3::TcpHeader::SYN) ||
      !(header.GetFlags() & ns3::TcpHeader::ACK) || ack <= m_txBuffer->HeadSequence()) {
    ns3::TcpSocketBase::EstimateRtt(header);
    BoundRto();
    return;
  }
  const auto ts = ns3::DynamicCast<const ns3::TcpOptionTS>(header.GetOption(ns3::TcpOption::TS));
  if (ts->GetEcho() == 0) {  // Linux, too, takes no sample from a zero TSecr
    ns3::TcpSocketBase::EstimateRtt(header);
    BoundRto();
    return;
  }
  ns3::Time m = ns3::TcpOptionTS::ElapsedTimeFromTsValue(ts->GetEcho());
  if (m.IsZero()) m = ns3::MicroSeconds(1);  // as the base class: sub-ms RTT, ms timestamps
  // What the base class does with a sample (line 3654 on), unchanged.
  while (!m_history.empty() &&
         m_history.front().seq + ns3::SequenceNumber32(m_history.front().count) <= ack) {
    m_history.pop_front();
  }
  m_rtt->Measurement(m);
  m_rto = ns3::Max(m_rtt->GetEstimate() + ns3::Max(m_clockGranularity, m_rtt->GetVariation() * 4),
                   m_minRto);
  m_tcb->m_lastRtt = m_rtt->GetEstimate();
  m_tcb->m_minRtt = std::min(m_tcb->m_lastRtt.Get(), m_tcb->m_minRtt);
  BoundRto();
}

void LinuxTcpSocket::NewAck(const ns3::SequenceNumber32& ack, bool reset_rto) {
  ns3::TcpSocketBase::NewAck(ack, reset_rto);
  if (m_rto.Get() <= kRtoMax) return;
  BoundRto();
  if (m_retxEvent.IsRunning()) {  // re-armed by the base class with the unbounded value
    m_retxEvent.Cancel();
    m_retxEvent = ns3::Simulator::Schedule(m_rto.Get(), &LinuxTcpSocket::ReTxTimeout, this);
  }
}

void LinuxTcpSocket::BoundRto() {
  if (m_rto.Get() > kRtoMax) m_rto = kRtoMax;
}

ns3::Ptr<ns3::Socket> MakeLinuxTcpSocket(const ns3::Ptr<ns3::Node>& node) {
  const ns3::Ptr<ns3::TcpL4Protocol> tcp = node->GetObject<ns3::TcpL4Protocol>();
  ns3::TypeIdValue rtt_type, congestion_type, recovery_type;
  tcp->GetAttribute("RttEstimatorType", rtt_type);
  tcp->GetAttribute("SocketType", congestion_type);
  tcp->GetAttribute("RecoveryType", recovery_type);
  ns3::ObjectFactory rtt, congestion, recovery;
  rtt.SetTypeId(rtt_type.Get());
  congestion.SetTypeId(congestion_type.Get());
  recovery.SetTypeId(recovery_type.Get());
  ns3::Ptr<LinuxTcpSocket> socket = ns3::CreateObject<LinuxTcpSocket>();
  socket->SetNode(node);
  socket->SetTcp(tcp);
  socket->SetRtt(rtt.Create<ns3::RttEstimator>());
  socket->SetCongestionControlAlgorithm(congestion.Create<ns3::TcpCongestionOps>());
  socket->SetRecoveryAlgorithm(recovery.Create<ns3::TcpRecoveryOps>());
  tcp->AddSocket(socket);
  return socket;
}

}  // namespace peerlab::ns3net
