// peerlabd: one peerlab node as a process on real TCP (docs/testbed.md). Bad arguments (parsed
// with CLI11 by testbed/config.cpp): one line on stderr and exit 2; runtime failures (cannot listen, cannot write DIR): exit 1;
// SIGTERM/SIGINT: clean stop, exit 0.
#include <cstdio>
#include <string_view>
#include <vector>

#include "peerlab/testbed/config.hpp"
#include "peerlab/testbed/daemon.hpp"

int main(int argc, char** argv) {
  using namespace peerlab::testbed;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto parsed = ParseDaemonArgs(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "peerlabd: %s (see peerlabd --help)\n", parsed.status().message().c_str());
    return 2;
  }
  if (parsed->help) {
    std::fputs(DaemonUsage().c_str(), stdout);
    return 0;
  }
  const DaemonConfig& config = parsed->config;
  // A chain name the lookup does not know is a bad argument too (exit 2), not a runtime error.
  if (auto chain = LookupChain(config.chain); !chain.ok()) {
    std::fprintf(stderr, "peerlabd: %s (see peerlabd --help)\n", chain.status().message().c_str());
    return 2;
  }
  auto daemon = Daemon::Create(config);
  if (!daemon.ok()) {
    std::fprintf(stderr, "peerlabd: %s\n", daemon.status().message().c_str());
    return 1;
  }
  if (auto s = (*daemon)->Run(); !s.ok()) {
    std::fprintf(stderr, "peerlabd: %s\n", s.message().c_str());
    return 1;
  }
  return 0;
}
