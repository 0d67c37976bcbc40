// `peerlab report`: argument parsing, writing the page, and --open.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "peerlab/report/report.hpp"

extern char** environ;

namespace peerlab::report {

namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr const char* kReportHelp = R"HELP(Usage: peerlab report RUN_DIR [--out FILE] [--open]

Writes RUN_DIR/report.html: one self-contained page (no network access needed to view it)
showing the run's manifest and summary, block propagation CDFs, the fork tree, per-region and
per-group tables, the topology by region with partition sides and cut edges, a panel per
attack strategy, analysis.json when `peerlab analyze RUN_DIR` wrote it, and a propagation
viewer (pick a block, watch it reach the nodes; needs the run's reach.csv, written when the
scenario's `outputs` list `reach`). Panels without data are left out. Works for simulated,
ns-3, Tendermint and testbed run directories (docs/report.md).

Options:
  --out FILE   write the page to FILE instead of RUN_DIR/report.html
  --open       open the page with xdg-open when it is installed (else print its path)
  -h, --help   this text

Example:
  peerlab run scenarios/default.yaml --out runs/d --set 'outputs=[summary, blocks, reach]'
  peerlab report runs/d --open
)HELP";

int Usage(const std::string& message) {
  std::fprintf(stderr, "peerlab report: %s (see peerlab report --help)\n", message.c_str());
  return kExitUsage;
}

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

const char* ReportHelp() { return kReportHelp; }

void OpenOrPrint(const std::filesystem::path& page) {
  const std::string xdg_open = FindOnPath("xdg-open");
  if (xdg_open.empty() || !OpenWithXdg(xdg_open, page.string())) {
    std::printf("%s\n", page.c_str());  // no viewer to hand it to: the path, to open by hand
  }
}

int ReportMain(int argc, char** argv) {
  std::string run_dir;
  ReportOptions options;
  bool open = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kReportHelp, stdout);
      return 0;
    }
    if (arg == "--open") {
      open = true;
    } else if (arg == "--out") {
      if (i + 1 >= argc) return Usage("--out needs a FILE");
      options.output = argv[++i];
    } else if (arg.starts_with("-")) {
      return Usage("unknown option " + std::string(arg));
    } else if (run_dir.empty()) {
      run_dir = arg;
    } else {
      return Usage("one RUN_DIR only, got a second: " + std::string(arg));
    }
  }
  if (run_dir.empty()) return Usage("missing RUN_DIR");
  auto written = WriteReport(run_dir, options);
  if (!written.ok()) {
    std::fprintf(stderr, "peerlab report: %s\n", written.status().message().c_str());
    return kExitFailed;
  }
  const std::string page = written->string();
  std::fprintf(stderr, "peerlab: wrote %s\n", page.c_str());
  if (open) OpenOrPrint(*written);
  return 0;
}

}  // namespace peerlab::report
