#include "peerlab/testbed/event_loop.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace peerlab::testbed {
namespace {

std::int64_t MonotonicNs() {
  timespec ts{};
  PEERLAB_ASSERT(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
  return static_cast<std::int64_t>(ts.tv_sec) * kSecond + ts.tv_nsec;
}

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

SteadyClock::SteadyClock() : start_ns_(MonotonicNs()) {}
TimeNs SteadyClock::Now() const { return MonotonicNs() - start_ns_; }

bool TimerQueue::Push(TimeNs at, const bitcoin::Timer& timer) {
  if (heap_.size() >= capacity_) return false;
  heap_.push_back({at, seq_++, timer});
  std::push_heap(heap_.begin(), heap_.end(), Later);
  return true;
}

bool TimerQueue::PopDue(TimeNs now, bitcoin::Timer* timer) {
  if (heap_.empty() || heap_.front().at > now) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later);
  *timer = heap_.back().timer;
  heap_.pop_back();
  return true;
}

Result<std::unique_ptr<EventLoop>> EventLoop::Create(bool handle_signals) {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  loop->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (loop->epoll_fd_ < 0) return Status::Error(Errno("epoll_create1"));
  if (handle_signals) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    // Blocked signals stay pending for the signalfd instead of killing the process.
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return Status::Error(Errno("sigprocmask"));
    loop->signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (loop->signal_fd_ < 0) return Status::Error(Errno("signalfd"));
    if (Status s = loop->Add(loop->signal_fd_, false, kSignalToken); !s.ok()) return s;
  }
  // A peer closing while we write must be an EPIPE error, not a fatal signal.
  signal(SIGPIPE, SIG_IGN);
  return loop;
}

EventLoop::~EventLoop() {
  if (signal_fd_ >= 0) close(signal_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

Status EventLoop::Add(int fd, bool want_write, std::uint64_t token) {
  epoll_event ev{};
  ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
  ev.data.u64 = token;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return Status::Error(Errno("epoll_ctl add"));
  return Status::Ok();
}

Status EventLoop::Modify(int fd, bool want_write, std::uint64_t token) {
  epoll_event ev{};
  ev.events = EPOLLIN | (want_write ? EPOLLOUT : 0u);
  ev.data.u64 = token;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) return Status::Error(Errno("epoll_ctl mod"));
  return Status::Ok();
}

void EventLoop::Remove(int fd) { epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

void EventLoop::Wait(DurationNs timeout, std::vector<Readiness>& ready) {
  ready.clear();
  // Round up so a timer due in 0.3 ms is not polled for in a busy loop of 0 ms waits.
  const DurationNs clamped = std::clamp<DurationNs>(timeout, 0, kSecond);
  const int ms = static_cast<int>((clamped + kMillisecond - 1) / kMillisecond);
  epoll_event events[kMaxEvents];
  const int n = epoll_wait(epoll_fd_, events, kMaxEvents, ms);
  if (n < 0) return;  // EINTR: the caller loops
  for (int i = 0; i < n; ++i) {
    const epoll_event& e = events[i];
    if (e.data.u64 == kSignalToken) {
      signalfd_siginfo info{};
      while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGUSR1) {
          ++mine_requests_;
          continue;
        }
        stop_requested_ = true;
        stop_signal_ = static_cast<int>(info.ssi_signo);
      }
      continue;
    }
    ready.push_back({e.data.u64, (e.events & EPOLLIN) != 0, (e.events & EPOLLOUT) != 0,
                     (e.events & (EPOLLERR | EPOLLHUP)) != 0});
  }
}

}  // namespace peerlab::testbed
