// `peerlab report --open`: hands the page to xdg-open (the command line is apps/report_cmd.cpp).
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "peerlab/report/report.hpp"

extern char** environ;

namespace peerlab::report {

namespace {

// The full path of `program` on PATH, or empty.
std::string FindOnPath(std::string_view program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::string_view rest(path);
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    if (!dir.empty()) {
      const std::string candidate = std::string(dir) + "/" + std::string(program);
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return {};
}

// Hands the page to xdg-open and waits for it (it returns once the viewer is started).
bool OpenWithXdg(const std::string& xdg_open, const std::string& page) {
  std::string arg0 = xdg_open, arg1 = page;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, xdg_open.c_str(), nullptr, nullptr, argv, environ) != 0) return false;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

void OpenOrPrint(const std::filesystem::path& page) {
  const std::string xdg_open = FindOnPath("xdg-open");
  if (xdg_open.empty() || !OpenWithXdg(xdg_open, page.string())) {
    std::printf("%s\n", page.c_str());  // no viewer to hand it to: the path, to open by hand
  }
}

}  // namespace peerlab::report
