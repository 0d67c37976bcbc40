#include "peerlab/sim/shared_uplink.hpp"

#include <algorithm>
#include <cmath>

#include "peerlab/util/assert.hpp"

namespace peerlab::sim {
namespace {
// A head message counts as sent once less than this many bytes remain: doubles accumulate
// rounding over many shares, and the completion time is rounded up to whole nanoseconds.
constexpr double kDoneBytes = 1e-6;
}  // namespace

void SharedUplinks::Advance(NodeState& s, TimeNs now, double ns_per_byte) {
  PEERLAB_ASSERT(now >= s.updated_at);
  if (!s.flows.empty() && now > s.updated_at) {
    const double served = static_cast<double>(now - s.updated_at) /
                          (ns_per_byte * static_cast<double>(s.flows.size()));
    for (Flow& f : s.flows) f.remaining = std::max(0.0, f.remaining - served);
  }
  s.updated_at = now;
}

void SharedUplinks::Reschedule(NodeState& s, TimeNs now, double ns_per_byte) {
  ++s.generation;
  if (s.flows.empty()) {
    s.next_completion = kTimeNever;
    return;
  }
  double least = s.flows.front().remaining;
  for (const Flow& f : s.flows) least = std::min(least, f.remaining);
  const double ns = least * ns_per_byte * static_cast<double>(s.flows.size());
  s.next_completion = SaturatingAdd(now, SaturatingNs(std::ceil(ns)));  // 1 bit/s: years
}

bool SharedUplinks::Enqueue(TimeNs now, std::uint32_t node, std::uint32_t flow,
                            const Item& item, double ns_per_byte) {
  NodeState& s = nodes_[node];
  for (Flow& f : s.flows) {
    if (f.id == flow) {  // behind the connection's head: the node's timing is unchanged
      f.queue.push_back(item);
      return false;
    }
  }
  Advance(s, now, ns_per_byte);
  s.flows.push_back({flow, static_cast<double>(item.bytes), {item}});
  Reschedule(s, now, ns_per_byte);
  return true;
}

void SharedUplinks::Complete(TimeNs now, std::uint32_t node, double ns_per_byte,
                             std::vector<Item>& done) {
  NodeState& s = nodes_[node];
  Advance(s, now, ns_per_byte);
  for (std::size_t i = 0; i < s.flows.size();) {
    Flow& f = s.flows[i];
    // Several messages of one connection may end now (zero-byte ones, or an exact tie).
    std::size_t sent = 0;
    while (sent < f.queue.size() && f.remaining <= kDoneBytes) {
      done.push_back(f.queue[sent]);
      ++sent;
      if (sent < f.queue.size()) f.remaining = static_cast<double>(f.queue[sent].bytes);
    }
    if (sent == 0) {
      ++i;
      continue;
    }
    f.queue.erase(f.queue.begin(), f.queue.begin() + static_cast<std::ptrdiff_t>(sent));
    if (f.queue.empty()) {
      s.flows.erase(s.flows.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  Reschedule(s, now, ns_per_byte);
}

bool SharedUplinks::DropFlow(TimeNs now, std::uint32_t node, std::uint32_t flow,
                             double ns_per_byte, std::vector<Item>& dropped) {
  NodeState& s = nodes_[node];
  for (std::size_t i = 0; i < s.flows.size(); ++i) {
    if (s.flows[i].id != flow) continue;
    Advance(s, now, ns_per_byte);
    dropped.insert(dropped.end(), s.flows[i].queue.begin(), s.flows[i].queue.end());
    s.flows.erase(s.flows.begin() + static_cast<std::ptrdiff_t>(i));
    Reschedule(s, now, ns_per_byte);
    return true;
  }
  return false;
}

}  // namespace peerlab::sim
