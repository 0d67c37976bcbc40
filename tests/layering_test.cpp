// Layering rules of docs/design.md §2 that CMake links cannot catch: the protocol layer stays
// sans-IO (no engine, ns-3, YAML, sockets, clocks or OS randomness), util, plan and results stay
// low, analysis sees only results and util.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<std::string> Violations(const std::string& dir, const std::vector<std::string>& banned) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(PEERLAB_SOURCE_DIR) / dir)) {
    if (!entry.is_regular_file()) continue;
    const auto ext = entry.path().extension();
    if (ext != ".cpp" && ext != ".hpp" && ext != ".h") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    for (const auto& token : banned) {
      if (text.str().find(token) != std::string::npos) {
        found.push_back(entry.path().string() + " contains " + token);
      }
    }
  }
  return found;
}

TEST(Layering, ProtocolIsSansIo) {
  const auto v = Violations("families/bitcoin", {"peerlab/sim/", "peerlab/scenario/", "peerlab/results/",
                                         "peerlab/analysis/", "ns3/", "yaml-cpp",
                                         "<sys/socket.h>", "<netinet/",
                                         "<random>", "<chrono>", "<thread>", "<ctime>",
                                         "steady_clock", "system_clock", "random_device",
                                         "getenv", "fopen", "<fstream>", "<iostream>"});
  EXPECT_TRUE(v.empty()) << ::testing::PrintToString(v);
}

TEST(Layering, LowerLayersDoNotReachUp) {
  auto v = Violations("util", {"peerlab/bitcoin/", "peerlab/sim/", "peerlab/results/",
                               "peerlab/scenario/", "peerlab/analysis/", "peerlab/plan/"});
  // plan (the network plan) may use util only: the engine, validation and the testbed use it.
  auto p = Violations("plan", {"peerlab/bitcoin/", "peerlab/sim/", "peerlab/results/",
                               "peerlab/scenario/", "peerlab/analysis/", "peerlab/testbed/",
                               "yaml-cpp"});
  auto r = Violations("results", {"peerlab/bitcoin/", "peerlab/sim/", "peerlab/scenario/",
                                  "peerlab/analysis/"});
  auto s = Violations("sim", {"peerlab/scenario/", "peerlab/results/", "peerlab/analysis/",
                              "yaml-cpp", "<chrono>"});
  // analysis may use results and util only: theory and stored runs, never the engine.
  auto a = Violations("analysis", {"peerlab/bitcoin/", "peerlab/sim/", "peerlab/scenario/",
                                   "ns3/", "yaml-cpp"});
  // testbed (the real-TCP daemon) sits beside sim: protocol, results and util only.
  auto t = Violations("testbed", {"peerlab/sim/", "peerlab/scenario/", "peerlab/analysis/",
                                  "ns3/", "yaml-cpp"});
  v.insert(v.end(), p.begin(), p.end());
  v.insert(v.end(), r.begin(), r.end());
  v.insert(v.end(), t.begin(), t.end());
  v.insert(v.end(), s.begin(), s.end());
  v.insert(v.end(), a.begin(), a.end());
  EXPECT_TRUE(v.empty()) << ::testing::PrintToString(v);
}

}  // namespace
