// Built as C++17 with ns-3.37 (see packet_network.cpp). Line numbers cited below are those of
// ns-3.37's src/internet/model/tcp-socket-base.cc. Linux functions cited are those of
// net/ipv4/tcp_output.c, net/ipv4/tcp_cubic.c and include/net/tcp.h (Linux 6.1 and later, after
// "tcp: fix cwnd-limited bug for TSO deferral where we send nothing", which gave
// tcp_cwnd_validate its present form).
#include "linux_tcp_socket.hpp"

#include <algorithm>

namespace peerlab::ns3net {
namespace {

// Linux's TCP_RTO_MAX (include/net/tcp.h: 120 * HZ). ns-3.37 caps only the doubled RTO of a
// timeout (60 s, ReTxTimeout), never the RTO computed from RTT samples.
const ns3::Time kRtoMax = ns3::Seconds(120);

}  // namespace

ns3::TypeId LinuxCubic::GetTypeId() {
  static ns3::TypeId tid = ns3::TypeId("peerlab::LinuxCubic")
                               .SetParent<ns3::TcpCubic>()
                               .SetGroupName("Internet")
                               .AddConstructor<LinuxCubic>();
  return tid;
}

ns3::Ptr<ns3::TcpCongestionOps> LinuxCubic::Fork() { return ns3::CopyObject<LinuxCubic>(this); }

// Linux 6.1 cubictcp_cong_avoid and tcp_reno_cong_avoid both start with
// `if (!tcp_is_cwnd_limited(sk)) return;`; ns-3.37's TcpCubic::IncreaseWindow has no such test
// (ns-3 added m_isCwndLimited to TcpSocketState only after 3.37).
void LinuxCubic::IncreaseWindow(ns3::Ptr<ns3::TcpSocketState> tcb, std::uint32_t segments_acked) {
  if (!IsCwndLimited(*tcb)) return;
  ns3::TcpCubic::IncreaseWindow(tcb, segments_acked);
}

void LinuxCubic::RecordUsage(bool is_cwnd_limited, std::uint32_t packets_out,
                             ns3::SequenceNumber32 snd_una, ns3::SequenceNumber32 snd_nxt) {
  // tcp_cwnd_validate: a new window of data starts once SND.UNA passes the SND.NXT recorded at
  // the last update; within a window, being cwnd-limited sticks, else the peak is kept.
  if (snd_una >= cwnd_usage_seq_ || is_cwnd_limited ||
      (!is_cwnd_limited_ && packets_out > max_packets_out_)) {
    is_cwnd_limited_ = is_cwnd_limited;
    max_packets_out_ = packets_out;
    cwnd_usage_seq_ = snd_nxt;
  }
}

bool LinuxCubic::IsCwndLimited(const ns3::TcpSocketState& tcb) const {
  if (is_cwnd_limited_) return true;
  // "If in slow start, ensure cwnd grows to twice what was ACKed."
  if (tcb.m_cWnd < tcb.m_ssThresh) return tcb.GetCwndInSegments() < 2 * max_packets_out_;
  return false;
}

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
  const bool new_data = seq >= m_tcb->m_highTxMark.Get();
  const std::uint32_t sent = ns3::TcpSocketBase::SendDataPacket(seq, max_size, with_ack);
  if (with_ack && m_highTxAck < m_tcb->m_rxBuffer->NextRxSequence()) {
    m_highTxAck = m_tcb->m_rxBuffer->NextRxSequence();
  }
  if (sent > 0) {
    // tcp_event_data_sent sets lsndtime for every segment with data, retransmissions too.
    last_data_sent_ = ns3::Simulator::Now();
    // Linux validates the window after sending new data (tcp_write_xmit), not after
    // retransmissions (tcp_xmit_retransmit_queue).
    if (new_data) {
      segments_out_.push_back(seq + ns3::SequenceNumber32(sent));
      ValidateCwnd();
    }
  }
  return sent;
}

// Slow start after idle (RFC 2861 section 3; Linux's default, tcp_slow_start_after_idle = 1).
// Linux checks when the application queues new data (tcp_skb_entail calls
// tcp_slow_start_after_idle_check): with nothing outstanding (packets_out == 0) and more than
// one RTO since the last data segment left, tcp_cwnd_restart halves the window once per RTO
// idle, not below min(initial window, cwnd). ns-3.37 has none of this (tcp-socket-state.h:
// CA_EVENT_CWND_RESTART "Not triggered"): a window grown by one block stays open through
// minutes of idleness, and the next block goes out in one flight.
int LinuxTcpSocket::Send(ns3::Ptr<ns3::Packet> p, std::uint32_t flags) {
  if ((m_state.Get() == ESTABLISHED || m_state.Get() == CLOSE_WAIT) &&
      last_data_sent_ != ns3::Time::Min() &&
      m_txBuffer->HeadSequence() >= m_tcb->m_highTxMark.Get()) {
    const ns3::Time idle = ns3::Simulator::Now() - last_data_sent_;
    if (idle > m_rto.Get()) CwndRestart(idle);
  }
  return ns3::TcpSocketBase::Send(p, flags);
}

// tcp_cwnd_restart, in segments as Linux counts its window.
void LinuxTcpSocket::CwndRestart(ns3::Time idle) {
  m_congestionControl->CwndEvent(m_tcb, ns3::TcpSocketState::CA_EVENT_CWND_RESTART);
  const std::uint32_t mss = m_tcb->m_segmentSize;
  std::uint32_t cwnd = m_tcb->GetCwndInSegments();
  const std::uint32_t restart = std::min(m_tcb->m_initialCWnd, cwnd);
  m_tcb->m_ssThresh = CurrentSsThresh();
  while ((idle = idle - m_rto.Get()) > ns3::Time(0) && cwnd > restart) cwnd >>= 1;
  m_tcb->m_cWnd = std::max(cwnd, restart) * mss;
  m_tcb->m_cWndInfl = m_tcb->m_cWnd.Get();
  cwnd_stamp_ = ns3::Simulator::Now();
  cwnd_used_ = 0;
}

// tcp_current_ssthresh: keep at least 3/4 of the window being given up, unless already
// reducing it (CWR or recovery).
std::uint32_t LinuxTcpSocket::CurrentSsThresh() const {
  const auto state = m_tcb->m_congState.Get();
  if (state == ns3::TcpSocketState::CA_CWR || state == ns3::TcpSocketState::CA_RECOVERY) {
    return m_tcb->m_ssThresh;
  }
  const std::uint32_t cwnd = m_tcb->GetCwndInSegments();
  return std::max(m_tcb->m_ssThresh.Get(), ((cwnd >> 1) + (cwnd >> 2)) * m_tcb->m_segmentSize);
}

// tcp_cwnd_validate after a segment of new data. "cwnd-limited" is judged on ns-3's byte window
// (no room for another full segment), since that is what stops ns-3's SendPendingData; Linux
// compares packets in flight with a window in packets.
void LinuxTcpSocket::ValidateCwnd() {
  const ns3::Ptr<LinuxCubic> cubic = ns3::DynamicCast<LinuxCubic>(m_congestionControl);
  if (!cubic) return;  // another congestion control configured: ns-3's own behaviour
  const ns3::SequenceNumber32 una = m_txBuffer->HeadSequence();
  while (!segments_out_.empty() && segments_out_.front() <= una) segments_out_.pop_front();
  const auto packets_out = static_cast<std::uint32_t>(segments_out_.size());
  const bool limited = BytesInFlight() + m_tcb->m_segmentSize > m_tcb->m_cWnd.Get();
  cubic->RecordUsage(limited, packets_out, una, m_tcb->m_highTxMark);

  const ns3::Time now = ns3::Simulator::Now();
  if (cwnd_stamp_ == ns3::Time::Min()) cwnd_stamp_ = now;  // Linux: set at connection start
  if (cubic->IsCwndLimited(*m_tcb)) {  // "Network is feed fully."
    cwnd_used_ = 0;
    cwnd_stamp_ = now;
    return;
  }
  cwnd_used_ = std::max(cwnd_used_, packets_out);  // "Network starves."
  if (now - cwnd_stamp_ >= m_rto.Get()) CwndApplicationLimited();
}

// tcp_cwnd_application_limited (RFC 2861 section 3): a window left unfilled for an RTO shrinks
// halfway to what was used (at least the initial window). Linux skips it when the application
// is blocked on a full send buffer (SOCK_NOSPACE), here: no room left in ns-3's send buffer.
void LinuxTcpSocket::CwndApplicationLimited() {
  if (m_tcb->m_congState.Get() == ns3::TcpSocketState::CA_OPEN && GetTxAvailable() > 0) {
    const std::uint32_t used = std::max(cwnd_used_, m_tcb->m_initialCWnd);
    const std::uint32_t cwnd = m_tcb->GetCwndInSegments();
    if (used < cwnd) {
      m_tcb->m_ssThresh = CurrentSsThresh();
      m_tcb->m_cWnd = ((cwnd + used) >> 1) * m_tcb->m_segmentSize;
      m_tcb->m_cWndInfl = m_tcb->m_cWnd.Get();
    }
    cwnd_used_ = 0;
  }
  cwnd_stamp_ = ns3::Simulator::Now();
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
