#include "peerlab/sim/flow_links.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

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
      incoming_(links.node_count(), 0),
      conns_(links.node_count()),
      parts_(1) {
  PEERLAB_ASSERT(spec.segment_bytes > 0 && initial_window_ > 0);
  PEERLAB_ASSERT(spec.receive_window_bytes >= initial_window_);
}

void FlowLinks::SetShards(const ShardMap& shards) {
  PEERLAB_ASSERT(parts_.size() == 1 && parts_[0].flights.empty());  // before the run
  shards_ = shards;
  parts_.resize(shards.count());
}

FlowLinks::Conn& FlowLinks::ConnOf(std::uint32_t node, std::uint32_t slot,
                                   std::uint32_t slot_generation) {
  std::vector<Conn>& row = conns_[node];
  if (slot >= row.size()) row.resize(slot + 1);
  Conn& c = row[slot];
  if (c.generation != slot_generation) {  // a new connection in this slot: a fresh window
    // The old one's transfers were dropped at its close.
    PEERLAB_ASSERT(!c.in_transfer && c.flight == kNoFlight);
    c = Conn{slot_generation, initial_window_, UINT32_MAX, kNoFlight, false, 0};
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

void FlowLinks::GrowAfterRound(Conn& c) const {
  const std::uint64_t grown = c.cwnd < c.ssthresh ? 2 * std::uint64_t{c.cwnd}
                                                  : std::uint64_t{c.cwnd} + spec_.segment_bytes;
  c.cwnd = static_cast<std::uint32_t>(std::min<std::uint64_t>(grown, spec_.receive_window_bytes));
}

void FlowLinks::Send(TimeNs now, std::uint32_t node, std::uint32_t slot,
                     std::uint32_t slot_generation, const Item& item, std::vector<Delivery>& out) {
  Conn& c = ConnOf(node, slot, slot_generation);
  // Behind the connection's transfer: TCP keeps the byte order.
  if (c.flight != kNoFlight) {
    PartOf(node).flights[c.flight].behind.push_back(item);
    return;
  }
  if (c.in_transfer) {
    for (Flow& f : nodes_[node].flows) {
      if (f.slot == slot) {
        f.behind.push_back(item);
        return;
      }
    }
    PEERLAB_ASSERT(false);  // in_transfer without its Flow
  }
  const DurationNs rtt = links_.MeanRoundTrip(node, item.to);
  RestartAfterIdle(c, now, rtt);
  if (item.bytes <= std::min(c.cwnd, initial_window_)) {
    // A burst: one flight, sent at once. In slow start, a burst that used more than half the
    // window makes the acknowledgements grow it by the bytes sent (Linux grows the window only
    // when the flow is window-limited: tcp_is_cwnd_limited).
    if (c.cwnd < c.ssthresh && 2 * std::uint64_t{item.bytes} > c.cwnd) {
      c.cwnd = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(std::uint64_t{c.cwnd} + item.bytes, spec_.receive_window_bytes));
    }
    c.last_sent = now;
    // Built in place rather than on the stack and copied in.
    Delivery& d = out.emplace_back();
    d.item = item;
    d.departure = links_.Depart(now, node, item.to, item.bytes);
    return;
  }
  StartTransfer(now, node, c, slot, item, out);
}

std::uint32_t FlowLinks::NewFlight(Part& part) {
  if (part.free_flight == kNoFlight) {
    PEERLAB_ASSERT(part.flights.size() < kToSender);  // flight numbers never look like signals
    part.flights.emplace_back();
    return static_cast<std::uint32_t>(part.flights.size() - 1);
  }
  const std::uint32_t index = part.free_flight;
  part.free_flight = part.flights[index].next_free;
  return index;
}

void FlowLinks::FreeFlight(Part& part, std::uint32_t index) {
  Flight& f = part.flights[index];
  ++f.serial;  // its pending wake is stale now
  f.behind.clear();
  f.next_free = part.free_flight;
  part.free_flight = index;
}

void FlowLinks::StartTransfer(TimeNs now, std::uint32_t node, Conn& c, std::uint32_t slot,
                              const Item& item, std::vector<Delivery>& out) {
  const DurationNs rtt = std::max<DurationNs>(links_.MeanRoundTrip(node, item.to), 1);
  // The first flight (up to the initial window) leaves at once, as a burst does; the rest of
  // the round's window, if any, is shared with the node's other transfers.
  const std::uint32_t flight = std::min(c.cwnd, initial_window_);
  out.push_back({item, links_.DepartFlight(now, node, item.to, flight), false});
  c.last_sent = now;
  const std::uint32_t rest = item.bytes - flight;
  if (flight == c.cwnd && rest <= initial_window_) {
    // The whole window went out and the rest is a small last piece: nothing is shared until
    // the round trip ends (OnFlight).
    Part& part = PartOf(node);
    const std::uint32_t index = NewFlight(part);
    Flight& f = part.flights[index];
    f.node = node;
    f.slot = slot;
    f.to = item.to;
    f.rest = rest;
    f.rtt = rtt;
    f.head = item;
    c.flight = index;
    part.flight_wakes.push_back(Wake{node, SaturatingAdd(now, rtt), index, f.serial});
    return;
  }
  AddFlow(now, node, c, slot, item.to, rtt, rest, c.cwnd - flight, item, {});
}

void FlowLinks::AddFlow(TimeNs now, std::uint32_t node, Conn& c, std::uint32_t slot,
                        std::uint32_t to, DurationNs rtt, double remaining, double window_left,
                        const Item& head, std::vector<Item> behind) {
  NodeState& s = nodes_[node];
  Advance(node, now);
  s.flows.push_back(Flow{slot, to, rtt, remaining, window_left, 0.0, SaturatingAdd(now, rtt),
                         true, false, head, std::move(behind), 0});
  c.in_transfer = true;
  if (window_left > kDoneBytes) SetSending(now, node, s.flows.back(), true);
  Reallocate(node, now);
}

void FlowLinks::OnFlight(TimeNs now, std::uint32_t node, std::uint32_t index,
                         std::uint32_t serial, std::vector<Delivery>& done) {
  Part& part = PartOf(node);
  if (part.flights[index].serial != serial) return;  // the connection closed since
  Flight f = std::move(part.flights[index]);
  PEERLAB_ASSERT(f.node == node);
  FreeFlight(part, index);
  Conn& c = conns_[f.node][f.slot];
  c.flight = kNoFlight;
  GrowAfterRound(c);  // the first flight used the whole window
  if (f.rest <= c.cwnd && f.behind.empty()) {
    done.push_back({f.head, links_.Depart(now, f.node, f.to, f.rest)});
    c.last_sent = now;
    return;
  }
  // Messages queued behind: the rest is sent as a Flow would send it, and they follow.
  AddFlow(now, f.node, c, f.slot, f.to, f.rtt, f.rest, c.cwnd, f.head, std::move(f.behind));
}

void FlowLinks::Advance(std::uint32_t node, TimeNs now) {
  NodeState& s = nodes_[node];
  PEERLAB_ASSERT(now >= s.updated_at);
  if (now == s.updated_at) return;
  const auto dt = static_cast<double>(now - s.updated_at);
  for (Flow& f : s.flows) {
    if (f.waiting) continue;
    // The window ran out since (no event marks that for a node's only sending transfer:
    // nobody else's rate depends on it): the transfer waits for the round's end.
    if (f.window_left < f.remaining &&
        static_cast<double>(s.updated_at) + f.window_left / f.rate <=
            static_cast<double>(std::min(now, f.round_end))) {
      f.remaining -= f.window_left;
      f.window_left = 0;
      SetSending(now, node, f, false);
      continue;
    }
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

double FlowLinks::DownlinkCap(const Flow& f) const {
  return 1.0 / (links_.download_ns_per_byte(f.to) * std::max(1.0, static_cast<double>(f.sharing)));
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
  std::vector<std::uint32_t>& order_scratch = PartOf(node).order_scratch;
  std::vector<double>& caps_scratch = PartOf(node).caps_scratch;
  order_scratch.clear();
  caps_scratch.resize(s.flows.size());
  for (std::uint32_t i = 0; i < s.flows.size(); ++i) {
    if (s.flows[i].waiting) continue;
    const double cap = DownlinkCap(s.flows[i]);
    caps_scratch[i] = cap;
    std::size_t at = order_scratch.size();
    order_scratch.push_back(i);
    while (at > 0 && caps_scratch[order_scratch[at - 1]] > cap) {
      order_scratch[at] = order_scratch[at - 1];
      --at;
    }
    order_scratch[at] = i;
  }
  double capacity = 1.0 / links_.upload_ns_per_byte(node);
  auto unserved = static_cast<double>(order_scratch.size());
  for (std::uint32_t i : order_scratch) {
    Flow& f = s.flows[i];
    const double share = capacity / unserved;
    f.capped = caps_scratch[i] < share;
    f.rate = f.capped ? caps_scratch[i] : share;
    capacity = std::max(0.0, capacity - f.rate);
    unserved -= 1.0;
  }
  // The node's next change: a message sent, a window used up, or a round's end. A node's only
  // sending transfer needs no event when its window runs out (Advance sees it), only when it
  // resumes.
  const bool sole = order_scratch.size() == 1;
  TimeNs next = kTimeNever;
  for (Flow& f : s.flows) {
    if (f.waiting) {
      next = std::min(next, f.round_end);
      continue;
    }
    double in_ns = f.remaining / f.rate;
    const double window_ns = f.window_left / f.rate;
    const auto round_left = static_cast<double>(f.round_end - now);
    if (window_ns < round_left) {
      in_ns = std::min(in_ns, sole && f.window_left < f.remaining ? round_left : window_ns);
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

void FlowLinks::SetSending(TimeNs now, std::uint32_t node, Flow& f, bool sending) {
  if (sending == !f.waiting) return;
  f.waiting = !sending;
  if (!sending) {
    f.rate = 0;
    f.capped = false;
  }
  // Mean latencies: signals between two nodes arrive in the order they were sent.
  PartOf(node).signals.push_back(Wake{f.to, SaturatingAdd(now, links_.MeanLatency(node, f.to)),
                                      kToReceiver, node, sending ? 1u : 0u});
}

void FlowLinks::OnSignal(TimeNs now, std::uint32_t node, std::uint32_t kind, std::uint32_t from,
                         std::uint32_t value) {
  if (kind == kToReceiver) {
    std::vector<std::uint32_t>& v = nodes_[node].senders;
    if (value != 0) {
      v.push_back(from);
      ++incoming_[node];
    } else {
      const auto it = std::find(v.begin(), v.end(), from);
      PEERLAB_ASSERT(it != v.end());  // a sender's stop follows its start (same latency)
      v.erase(it);
      --incoming_[node];
    }
    // Every sender into this node learns the new count (one told twice for two transfers
    // learns it twice: harmless).
    std::vector<Wake>& signals = PartOf(node).signals;
    for (std::uint32_t sender : v) {
      signals.push_back(Wake{sender, SaturatingAdd(now, links_.MeanLatency(node, sender)),
                              kToSender, node, incoming_[node]});
    }
    return;
  }
  PEERLAB_ASSERT(kind == kToSender);
  // Progressive filling moves this node's allocation only if the receiver's cap binds: it fell
  // below a transfer's rate, or it rose while a transfer ran at its cap.
  NodeState& s = nodes_[node];
  const double cap = 1.0 / (links_.download_ns_per_byte(from) *
                            std::max(1.0, static_cast<double>(value)));
  bool binds = false;
  for (Flow& f : s.flows) {
    if (f.to != from) continue;
    f.sharing = value;
    if (!f.waiting) binds = binds || f.rate > cap || (f.capped && f.rate < cap);
  }
  if (!binds) return;
  Advance(node, now);  // at the old rates, which hold until now
  Reallocate(node, now);
}

void FlowLinks::MarkMoved(std::uint32_t node) {
  if (nodes_[node].marked) return;
  nodes_[node].marked = true;
  PartOf(node).moved.push_back(node);
}

void FlowLinks::OnEvent(TimeNs now, std::uint32_t node, std::vector<Delivery>& done) {
  Advance(node, now);
  NodeState& s = nodes_[node];
  for (std::size_t i = 0; i < s.flows.size();) {
    Flow& f = s.flows[i];
    Conn& c = conns_[node][f.slot];
    if (f.waiting) {
      if (now >= f.round_end) {
        GrowAfterRound(c);  // the round was limited by the window
        f.window_left = c.cwnd;
        f.round_end = SaturatingAdd(now, f.rtt);
        // A last piece no larger than the initial window is a burst, as a small message is:
        // its arrival is known now, and the transfer ends here.
        if (f.remaining <= initial_window_ && f.remaining <= f.window_left &&
            f.behind_next == f.behind.size()) {
          const auto bytes = static_cast<std::uint32_t>(std::ceil(f.remaining - kDoneBytes));
          done.push_back({f.head, links_.Depart(now, node, f.to, bytes)});
          c.last_sent = now;
          c.in_transfer = false;
          s.flows.erase(s.flows.begin() + static_cast<std::ptrdiff_t>(i));
          continue;
        }
        SetSending(now, node, f, true);
      }
      ++i;
      continue;
    }
    bool drained = false;
    while (f.remaining <= kDoneBytes) {  // several may end now (zero-byte ones, exact ties)
      // The bytes streamed in while they were sent: only the latency remains, and arrivals
      // at a node stay in order (its downlink's free time).
      done.push_back({f.head, links_.DepartStreamed(now, node, f.to, 0)});
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
      SetSending(now, node, f, false);
      s.flows.erase(s.flows.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    if (f.window_left <= kDoneBytes) SetSending(now, node, f, false);
    ++i;
  }
  Reallocate(node, now);
}

void FlowLinks::DropConnection(TimeNs now, std::uint32_t node, std::uint32_t slot,
                               std::vector<Item>& dropped) {
  if (slot >= conns_[node].size()) return;
  Conn& c = conns_[node][slot];
  if (c.flight != kNoFlight) {
    Part& part = PartOf(node);
    Flight& f = part.flights[c.flight];
    dropped.push_back(f.head);
    dropped.insert(dropped.end(), f.behind.begin(), f.behind.end());
    FreeFlight(part, c.flight);
    c.flight = kNoFlight;
    return;
  }
  if (!c.in_transfer) return;
  NodeState& s = nodes_[node];
  for (std::size_t i = 0; i < s.flows.size(); ++i) {
    if (s.flows[i].slot != slot) continue;
    Advance(node, now);
    Flow& f = s.flows[i];
    SetSending(now, node, f, false);
    dropped.push_back(f.head);
    dropped.insert(dropped.end(), f.behind.begin() + f.behind_next, f.behind.end());
    c.in_transfer = false;
    s.flows.erase(s.flows.begin() + static_cast<std::ptrdiff_t>(i));
    Reallocate(node, now);
    return;
  }
  PEERLAB_ASSERT(false);  // in_transfer without its Flow
}

}  // namespace peerlab::sim
