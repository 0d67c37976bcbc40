// Link delay in user space: the testbed's stand-in for netem when the kernel has no sch_netem
// (docs/testbed.md "peerlab testbed"). A daemon told `--link-delay IPV4=MS` holds every byte it
// sends to that address for MS milliseconds before writing it to the socket, so a connection
// between two delayed daemons sees the one-way latency each way, like a netem delay on both
// ends of the path. Only the sending side waits: TCP's own acknowledgements are not delayed,
// so congestion control sees loopback round trips (netem would delay them too).
//
// DelayGate keeps, per connection, where in the outgoing byte stream each queued message ends
// and when it may leave. The bytes themselves stay in the connection's send buffer (bounded by
// --max-send-queue); the gate only holds offsets, at most kMaxMarks of them.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "peerlab/util/status.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::testbed {

// One `--link-delay IPV4=MS`: bytes to `ip` wait `delay` before they are written.
struct LinkDelay {
  std::uint32_t ip = 0;
  DurationNs delay = 0;
};

// "a.b.c.d=MS" with MS a decimal number of milliseconds from 0 to 10,000.
Result<LinkDelay> ParseLinkDelay(std::string_view text);
// The delay configured for `ip` (the last one given wins), 0 when none.
DurationNs LinkDelayFor(const std::vector<LinkDelay>& delays, std::uint32_t ip);

class DelayGate {
 public:
  // More marks than this (a peer that sends faster than `delay` drains) merge into the newest:
  // the merged bytes leave with the newest, so none leaves early and the oldest wait longer.
  static constexpr std::size_t kMaxMarks = 4096;

  explicit DelayGate(DurationNs delay = 0) : delay_(delay) {}
  bool active() const { return delay_ > 0; }
  DurationNs delay() const { return delay_; }

  // The stream now ends at byte offset `end` (everything ever queued), queued at `now`.
  void Queued(std::uint64_t end, TimeNs now);
  // The stream offset below which bytes may be written at `now`; `end` when no delay.
  std::uint64_t Releasable(TimeNs now, std::uint64_t end);
  // When the next held bytes may leave; kTimeNever when nothing is held.
  TimeNs next_release() const { return marks_.empty() ? kTimeNever : marks_.front().at; }
  std::size_t held_marks() const { return marks_.size(); }

 private:
  struct Mark {
    std::uint64_t end;
    TimeNs at;
  };
  DurationNs delay_;
  std::uint64_t released_ = 0;
  std::deque<Mark> marks_;  // release times ascending (one delay per connection)
};

}  // namespace peerlab::testbed
