// The daemon's event loop pieces (Linux only): a steady clock mapped to the node's TimeNs, a
// bounded queue of the node's timers, and an epoll set with stop signals folded in.
// One thread; plain syscalls; level-triggered readiness.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "peerlab/bitcoin/node.hpp"
#include "peerlab/util/status.hpp"
#include "peerlab/util/time.hpp"

namespace peerlab::testbed {

// CLOCK_MONOTONIC in nanoseconds since construction: the node's `now` (never jumps back when
// the wall clock is set).
class SteadyClock {
 public:
  SteadyClock();
  TimeNs Now() const;

 private:
  std::int64_t start_ns_;
};

// Timers the node armed, earliest first (equal times in arming order). Bounded: the node keeps
// a few per peer, so the capacity is never reached by an honest node; if it were, Push refuses
// and the daemon counts the dropped timer rather than growing without limit.
class TimerQueue {
 public:
  explicit TimerQueue(std::size_t capacity) : capacity_(capacity) {}
  bool Push(TimeNs at, const bitcoin::Timer& timer);
  TimeNs next_at() const { return heap_.empty() ? kTimeNever : heap_.front().at; }
  // Removes and returns the earliest timer due at or before `now`.
  bool PopDue(TimeNs now, bitcoin::Timer* timer);
  std::size_t size() const { return heap_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    TimeNs at;
    std::uint64_t seq;
    bitcoin::Timer timer;
  };
  static bool Later(const Entry& a, const Entry& b) {
    return a.at != b.at ? a.at > b.at : a.seq > b.seq;
  }
  std::size_t capacity_;
  std::vector<Entry> heap_;
  std::uint64_t seq_ = 0;
};

struct Readiness {
  std::uint64_t token;
  bool readable;
  bool writable;
  bool error;  // EPOLLERR or EPOLLHUP
};

// An epoll set. With `handle_signals`, SIGTERM and SIGINT (stop) and SIGUSR1 (mine a block
// now) are blocked and read from a signalfd in the same set, so they are just other events (no
// async-signal handler runs).
class EventLoop {
 public:
  static Result<std::unique_ptr<EventLoop>> Create(bool handle_signals);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Status Add(int fd, bool want_write, std::uint64_t token);
  Status Modify(int fd, bool want_write, std::uint64_t token);
  void Remove(int fd);  // before closing fd
  // Waits at most `timeout` (clamped to [0, 1 s]) and replaces `ready` with what is ready.
  void Wait(DurationNs timeout, std::vector<Readiness>& ready);
  bool stop_requested() const { return stop_requested_; }
  int stop_signal() const { return stop_signal_; }
  void RequestStop() { stop_requested_ = true; }
  // SIGUSR1s received since the last call (several pending ones may arrive as one).
  int TakeMineRequests() { return std::exchange(mine_requests_, 0); }
  // The same request without a signal (Daemon::RequestMine, in-process tests).
  void RequestMine() { ++mine_requests_; }

 private:
  EventLoop() = default;
  static constexpr std::uint64_t kSignalToken = UINT64_MAX;
  static constexpr int kMaxEvents = 256;
  int epoll_fd_ = -1;
  int signal_fd_ = -1;
  bool stop_requested_ = false;
  int stop_signal_ = 0;
  int mine_requests_ = 0;
};

}  // namespace peerlab::testbed
