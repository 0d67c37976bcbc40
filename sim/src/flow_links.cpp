#include "peerlab/sim/flow_links.hpp"

#include <algorithm>
#include <cmath>

#include "peerlab/util/assert.hpp"

namespace peerlab::sim {
namespace {
// A head message counts as sent, and a window as used, once less than this many bytes remain:
// doubles accumulate rounding over many shares, and event times are rounded up to whole ns.
constexpr double kDoneBytes = 1e-6;
}  // namespace

FlowLinks::FlowLinks(LinkModel& links, const FlowModelSpec& spec)
    : links_(links),
      spec_(spec),
      initial_window_(spec.segment_bytes * spec.initial_window_segments),
      nodes_(links.node_count()),
      conns_(links.node_count()) {
  PEERLAB_ASSERT(spec.segment_bytes > 0 && initial_window_ > 0);
  PEERLAB_ASSERT(spec.receive_window_bytes >= initial_window_);
}

FlowLinks::Conn& FlowLinks::ConnOf(std::uint32_t node, std::uint32_t slot,
                                   std::uint32_t slot_generation) {
  std::vector<Conn>& row = conns_[node];
  if (slot >= row.size()) row.resize(slot + 1);
  Conn& c = row[slot];
  if (c.generation != slot_generation) {  // a new connection in this slot: a fresh window
    PEERLAB_ASSERT(!c.in_transfer);       // the old one's transfers were dropped at its close
    c = Conn{slot_generation, initial_window_, UINT32_MAX, false, 0};
  }
  return c;
}

std::uint32_t FlowLinks::cwnd(std::uint32_t node, std::uint32_t slot) const {
  return slot < conns_[node].size() ? conns_[node][slot].cwnd : 0;
}

void FlowLinks::RestartAfterIdle(Conn& c, TimeNs now, DurationNs rtt) const {
  // Linux (tcp_cwnd_restart, RFC 2861): after more than one RTO without sending, the window
  // is halved once per RTO of idleness, but not below min(initial window, window). With a
  // steady RTT, Linux's RTO is srtt + rttvar with rttvar floored at TCP_RTO_MIN.
  if (!spec_.slow_start_after_idle) return;
  const DurationNs rto = rtt + spec_.min_rto;
  DurationNs idle_left = now - c.last_sent - rto;
  if (idle_left <= 0) return;
  // The old window's three quarters is remembered as ssthresh (tcp_current_ssthresh).
  if (c.ssthresh != UINT32_MAX) c.ssthresh = std::max(c.ssthresh, c.cwnd / 4 * 3);
  const std::uint32_t restart = std::min(initial_window_, c.cwnd);
  std::uint32_t w = c.cwnd;
  while (idle_left > 0 && w > restart) {
    w >>= 1;
    idle_left -= rto;
  }
  c.cwnd = std::max(w, restart);
}

TimeNs FlowLinks::Send(TimeNs now, std::uint32_t node, std::uint32_t slot,
                       std::uint32_t slot_generation, const Item& item) {
  Conn& c = ConnOf(node, slot, slot_generation);
  if (c.in_transfer) {  // behind the connection's transfer: TCP keeps the byte order
    for (Flow& f : nodes_[node].flows) {
      if (f.slot == slot) {
        f.behind.push_back(item);
        return kTimeNever;
      }
    }
    PEERLAB_ASSERT(false);  // in_transfer without its Flow
  }
  const DurationNs rtt = links_.MeanRoundTrip(node, item.to);
  RestartAfterIdle(c, now, rtt);
  if (item.bytes <= c.cwnd) {
    // A burst: one window, sent at once. In slow start, a burst that used more than half the
    // window makes the acknowledgements grow it by the bytes sent (Linux grows the window only
    // when the flow is window-limited: tcp_is_cwnd_limited).
    if (c.cwnd < c.ssthresh && 2 * std::uint64_t{item.bytes} > c.cwnd) {
      c.cwnd = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(std::uint64_t{c.cwnd} + item.bytes, spec_.receive_window_bytes));
    }
    c.last_sent = now;
    return links_.Send(now, node, item.to, item.bytes);
  }
  StartFlow(now, node, c, slot, item);
  return kTimeNever;
}

void FlowLinks::StartFlow(TimeNs now, std::uint32_t node, Conn& c, std::uint32_t slot,
                          const Item& item) {
  NodeState& s = nodes_[node];
  Advance(node, now);
  AdvanceSendersInto(item.to, node, now);
  const DurationNs rtt = std::max<DurationNs>(links_.MeanRoundTrip(node, item.to), 1);
  s.flows.push_back(Flow{slot, item.to, rtt, static_cast<double>(item.bytes),
                         static_cast<double>(c.cwnd), 0.0, SaturatingAdd(now, rtt), false, item,
                         {}, 0});
  c.in_transfer = true;
  nodes_[item.to].senders.push_back(node);
  Reallocate(node, now);
  ReallocateSendersInto(item.to, node, now);
}

void FlowLinks::Advance(std::uint32_t node, TimeNs now) {
  NodeState& s = nodes_[node];
  PEERLAB_ASSERT(now >= s.updated_at);
  if (now == s.updated_at) return;
  const auto dt = static_cast<double>(now - s.updated_at);
  for (Flow& f : s.flows) {
    if (f.waiting) continue;
    f.remaining = std::max(0.0, f.remaining - f.rate * dt);
    if (now < f.round_end) {
      f.window_left = std::max(0.0, f.window_left - f.rate * dt);
      continue;
    }
    // One or more rounds ended while the window still had room (an event comes when it runs
    // out): the path, not the window, limits this transfer, so slow start is over.
    Conn& c = conns_[node][f.slot];
    if (c.cwnd < c.ssthresh) c.ssthresh = c.cwnd;
    const DurationNs whole = (now - f.round_end) / f.rtt;
    const TimeNs round_start = f.round_end + whole * f.rtt;
    f.round_end = SaturatingAdd(round_start, f.rtt);
    f.window_left =
        std::max(0.0, static_cast<double>(c.cwnd) - f.rate * static_cast<double>(now - round_start));
  }
  s.updated_at = now;
}

double FlowLinks::DownlinkCap(std::uint32_t receiver) const {
  const auto incoming = static_cast<double>(nodes_[receiver].senders.size());
  return 1.0 / (links_.download_ns_per_byte(receiver) * std::max(1.0, incoming));
}

void FlowLinks::Reallocate(std::uint32_t node, TimeNs now) {
  NodeState& s = nodes_[node];
  PEERLAB_ASSERT(s.updated_at == now);
  MarkMoved(node);
  s.next_event = kTimeNever;
  if (s.flows.empty()) return;
  // Progressive filling: the transfers with the smallest downlink caps are served first; the
  // rest share what is left equally. An insertion sort (k is small), stable: ties keep the
  // flows' order, so the result is deterministic.
  order_scratch_.clear();
  caps_scratch_.resize(s.flows.size());
  for (std::uint32_t i = 0; i < s.flows.size(); ++i) {
    if (s.flows[i].waiting) continue;
    const double cap = DownlinkCap(s.flows[i].to);
    caps_scratch_[i] = cap;
    std::size_t at = order_scratch_.size();
    order_scratch_.push_back(i);
    while (at > 0 && caps_scratch_[order_scratch_[at - 1]] > cap) {
      order_scratch_[at] = order_scratch_[at - 1];
      --at;
    }
    order_scratch_[at] = i;
  }
  double capacity = 1.0 / links_.upload_ns_per_byte(node);
  auto unserved = static_cast<double>(order_scratch_.size());
  for (std::uint32_t i : order_scratch_) {
    const double rate = std::min(caps_scratch_[i], capacity / unserved);
    s.flows[i].rate = rate;
    capacity = std::max(0.0, capacity - rate);
    unserved -= 1.0;
  }
  // The node's next change: a message sent, a window used up, or a round's end.
  TimeNs next = kTimeNever;
  for (Flow& f : s.flows) {
    if (f.waiting) {
      f.rate = 0;
      next = std::min(next, f.round_end);
      continue;
    }
    double in_ns = f.remaining / f.rate;
    const double window_ns = f.window_left / f.rate;
    const auto round_left = static_cast<double>(f.round_end - now);
    if (window_ns < round_left) {
      in_ns = std::min(in_ns, window_ns);
    } else if (const double full_window_ns = conns_[node][f.slot].cwnd / f.rate;
               full_window_ns < static_cast<double>(f.rtt)) {
      in_ns = std::min(in_ns, round_left + full_window_ns);  // runs out in the next round
    }
    // At least 1 ns: an event always lets time pass (a zero-progress loop is impossible).
    next = std::min(next, SaturatingAdd(now, std::max<DurationNs>(1, SaturatingNs(std::ceil(in_ns)))));
  }
  s.next_event = next;
}

bool FlowLinks::TakeEvent(std::uint32_t node, TimeNs now) {
  NodeState& s = nodes_[node];
  if (now != s.scheduled_at) return false;  // superseded by an earlier one
  s.scheduled_at = kTimeNever;
  if (s.next_event > now) {  // the change moved later since: pass the event on
    MarkMoved(node);
    return false;
  }
  return true;
}

void FlowLinks::AdvanceSendersInto(std::uint32_t receiver, std::uint32_t except, TimeNs now) {
  for (std::uint32_t sender : nodes_[receiver].senders) {
    if (sender != except) Advance(sender, now);
  }
}

void FlowLinks::ReallocateSendersInto(std::uint32_t receiver, std::uint32_t except, TimeNs now) {
  for (std::uint32_t sender : nodes_[receiver].senders) {
    if (sender != except) Reallocate(sender, now);
  }
}

void FlowLinks::RemoveSender(std::uint32_t receiver, std::uint32_t sender) {
  std::vector<std::uint32_t>& v = nodes_[receiver].senders;
  const auto it = std::find(v.begin(), v.end(), sender);
  PEERLAB_ASSERT(it != v.end());
  v.erase(it);
}

void FlowLinks::MarkMoved(std::uint32_t node) {
  if (nodes_[node].marked) return;
  nodes_[node].marked = true;
  moved_.push_back(node);
}

void FlowLinks::OnEvent(TimeNs now, std::uint32_t node, std::vector<Item>& done) {
  Advance(node, now);
  NodeState& s = nodes_[node];
  ended_scratch_.clear();  // receivers that lost a transfer from this node
  for (std::size_t i = 0; i < s.flows.size();) {
    Flow& f = s.flows[i];
    Conn& c = conns_[node][f.slot];
    if (f.waiting) {
      if (now >= f.round_end) {
        // The round was limited by the window: its acknowledgements grow it (RFC 5681: double
        // in slow start, one segment per round trip in congestion avoidance).
        const std::uint64_t grown = c.cwnd < c.ssthresh ? 2 * std::uint64_t{c.cwnd}
                                                        : std::uint64_t{c.cwnd} + spec_.segment_bytes;
        c.cwnd = static_cast<std::uint32_t>(std::min<std::uint64_t>(grown, spec_.receive_window_bytes));
        f.waiting = false;
        f.window_left = c.cwnd;
        f.round_end = SaturatingAdd(now, f.rtt);
      }
      ++i;
      continue;
    }
    bool drained = false;
    while (f.remaining <= kDoneBytes) {  // several may end now (zero-byte ones, exact ties)
      done.push_back(f.head);
      c.last_sent = now;
      if (f.behind_next == f.behind.size()) {
        drained = true;
        break;
      }
      f.head = f.behind[f.behind_next++];
      f.remaining = static_cast<double>(f.head.bytes);
    }
    if (drained) {
      c.in_transfer = false;
      ended_scratch_.push_back(f.to);
      s.flows.erase(s.flows.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    if (f.window_left <= kDoneBytes) {
      f.waiting = true;
      f.rate = 0;
    }
    ++i;
  }
  for (std::size_t k = 0; k < ended_scratch_.size(); ++k) {
    const std::uint32_t receiver = ended_scratch_[k];
    AdvanceSendersInto(receiver, node, now);
    RemoveSender(receiver, node);
    ReallocateSendersInto(receiver, node, now);
  }
  Reallocate(node, now);
}

void FlowLinks::DropConnection(TimeNs now, std::uint32_t node, std::uint32_t slot,
                               std::vector<Item>& dropped) {
  NodeState& s = nodes_[node];
  for (std::size_t i = 0; i < s.flows.size(); ++i) {
    if (s.flows[i].slot != slot) continue;
    Advance(node, now);
    const std::uint32_t receiver = s.flows[i].to;
    AdvanceSendersInto(receiver, node, now);
    const Flow& f = s.flows[i];
    dropped.push_back(f.head);
    dropped.insert(dropped.end(), f.behind.begin() + f.behind_next, f.behind.end());
    conns_[node][slot].in_transfer = false;
    s.flows.erase(s.flows.begin() + static_cast<std::ptrdiff_t>(i));
    RemoveSender(receiver, node);
    Reallocate(node, now);
    ReallocateSendersInto(receiver, node, now);
    return;
  }
}

}  // namespace peerlab::sim
