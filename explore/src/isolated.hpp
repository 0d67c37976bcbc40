// A check running in a child process (isolated.cpp): started, pumped while the parent waits on
// several, finished into a verdict.
#pragma once

#include <sys/types.h>

#include <string>

#include "peerlab/explore/check.hpp"

namespace peerlab::explore {

struct ChildRun {
  pid_t pid = -1;  // -1 once reaped
  int result_fd = -1, err_fd = -1;
  std::string result_text, err_text;

  ChildRun() = default;
  ChildRun(const ChildRun&) = delete;
  ChildRun& operator=(const ChildRun&) = delete;
  // A child not finished (the campaign stopped early, say because another could not start) is
  // killed and reaped: no orphan keeps running, no zombie stays.
  ~ChildRun();

  // Forks a child that runs CheckFamily; false (errno set) when it could not.
  bool Start(const std::string& family, const std::string& yaml, DurationNs faults_end,
             const CheckOptions& options);
  // Reads what is ready (waiting at most 50 ms); false once both pipes are closed.
  bool Pump();
  // Reads to the end, reaps the child and decodes its verdict ("no-crash" when it died).
  Verdict Finish();
};

}  // namespace peerlab::explore
