// Runs a check in a child process (explore.hpp, CheckIsolated; ChildRun): the child writes
// its verdict down a pipe and its standard error down another, so an assertion that aborts it
// becomes a failed run with the assertion's message.
#include "isolated.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "peerlab/explore/explore.hpp"

namespace peerlab::explore {
namespace {

// Fields separated by tabs, one verdict per line: tabs and newlines in text become spaces.
std::string Clean(std::string s) {
  for (char& c : s) {
    if (c == '\t' || c == '\n') c = ' ';
  }
  return s;
}

std::string Encode(const Verdict& v) {
  char numbers[128];
  std::snprintf(numbers, sizeof(numbers), "%.9g\t%llu\t%llu\t%d\t%llu", v.sim_time_s,
                static_cast<unsigned long long>(v.events),
                static_cast<unsigned long long>(v.faults_injected), v.recovery_checked ? 1 : 0,
                static_cast<unsigned long long>(v.checkpoints));
  return std::string(v.ok ? "ok" : "fail") + "\t" + Clean(v.invariant) + "\t" + Clean(v.detail) +
         "\t" + v.digest + "\t" + numbers + "\n";
}

bool Decode(const std::string& line, Verdict* v) {
  std::vector<std::string> f;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == '\t' || line[i] == '\n') {
      f.push_back(line.substr(start, i - start));
      start = i + 1;
      if (i < line.size() && line[i] == '\n') break;
    }
  }
  if (f.size() < 9) return false;
  v->ok = f[0] == "ok";
  v->invariant = f[1];
  v->detail = f[2];
  v->digest = f[3];
  v->sim_time_s = std::strtod(f[4].c_str(), nullptr);
  v->events = std::strtoull(f[5].c_str(), nullptr, 10);
  v->faults_injected = std::strtoull(f[6].c_str(), nullptr, 10);
  v->recovery_checked = f[7] == "1";
  v->checkpoints = std::strtoull(f[8].c_str(), nullptr, 10);
  return true;
}

void WriteAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    done += static_cast<std::size_t>(w);
  }
}

}  // namespace

bool ChildRun::Start(const std::string& family, const std::string& yaml, DurationNs faults_end,
                     const CheckOptions& options) {
  int result[2], err[2];
  if (::pipe(result) != 0) return false;
  if (::pipe(err) != 0) {
    ::close(result[0]);
    ::close(result[1]);
    return false;
  }
  std::fflush(nullptr);
  pid = ::fork();
  if (pid < 0) {
    for (int fd : {result[0], result[1], err[0], err[1]}) ::close(fd);
    return false;
  }
  if (pid == 0) {  // the child: check, report, and leave without running the parent's exit code
    ::close(result[0]);
    ::close(err[0]);
    ::dup2(err[1], STDERR_FILENO);
    const Verdict v = CheckFamily(family, yaml, faults_end, options);
    WriteAll(result[1], Encode(v));
    std::fflush(nullptr);
    ::_exit(0);
  }
  ::close(result[1]);
  ::close(err[1]);
  result_fd = result[0];
  err_fd = err[0];
  return true;
}

bool ChildRun::Pump() {
  pollfd fds[2];
  nfds_t count = 0;
  if (result_fd >= 0) fds[count++] = {result_fd, POLLIN, 0};
  if (err_fd >= 0) fds[count++] = {err_fd, POLLIN, 0};
  if (count == 0) return false;
  if (::poll(fds, count, 50) <= 0) return true;
  for (nfds_t i = 0; i < count; ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    char buf[4096];
    const ssize_t r = ::read(fds[i].fd, buf, sizeof(buf));
    std::string& into = fds[i].fd == result_fd ? result_text : err_text;
    if (r > 0) {
      // Bounded: a child that prints without end keeps only the first 64 KiB.
      if (into.size() < (64u << 10)) into.append(buf, static_cast<std::size_t>(r));
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    ::close(fds[i].fd);
    (fds[i].fd == result_fd ? result_fd : err_fd) = -1;
  }
  return result_fd >= 0 || err_fd >= 0;
}

ChildRun::~ChildRun() {
  if (result_fd >= 0) ::close(result_fd);
  if (err_fd >= 0) ::close(err_fd);
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

Verdict ChildRun::Finish() {
  while (Pump()) {
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  pid = -1;
  Verdict v;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && Decode(result_text, &v)) return v;
  v.ok = false;
  v.invariant = "no-crash";
  std::string last = err_text;
  while (!last.empty() && last.back() == '\n') last.pop_back();
  if (const auto nl = last.rfind('\n'); nl != std::string::npos) last = last.substr(nl + 1);
  v.detail = (WIFSIGNALED(status) ? std::string("killed by signal ") + std::to_string(WTERMSIG(status))
                                  : "exited with status " + std::to_string(WEXITSTATUS(status))) +
             (last.empty() ? "" : ": " + last);
  return v;
}

Verdict CheckFamily(const std::string& family, const std::string& yaml, DurationNs faults_end,
                    const CheckOptions& options) {
  return family == "tendermint" ? CheckTendermint(yaml, faults_end, options)
                                : CheckBitcoin(yaml, faults_end, options);
}

Verdict CheckIsolated(const std::string& family, const std::string& yaml, DurationNs faults_end,
                      const CheckOptions& options) {
  ChildRun child;
  if (!child.Start(family, yaml, faults_end, options)) {
    Verdict v;
    v.ok = false;
    v.invariant = "no-crash";
    v.detail = std::string("could not start a child process: ") + std::strerror(errno);
    return v;
  }
  return child.Finish();
}

}  // namespace peerlab::explore
