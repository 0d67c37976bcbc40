// Every random stream's purpose, from every owner: util names none (util/rng.hpp), so this is
// the one list of them all. A purpose is part of each stream's identity and so of every
// recorded result: the values must stay as they are, and no two owners may share one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "peerlab/analysis/rng_purposes.hpp"
#include "peerlab/bitcoin/rng_purposes.hpp"
#include "peerlab/explore/rng_purposes.hpp"
#include "peerlab/plan/rng_purposes.hpp"
#include "peerlab/sim/rng_purposes.hpp"
#include "peerlab/tendermint/rng_purposes.hpp"

namespace peerlab {
namespace {

struct Entry {
  const char* name;
  RngPurpose purpose;
  std::uint32_t recorded;  // the value results were recorded with
};

const std::vector<Entry>& AllPurposes() {
  static const std::vector<Entry> all = {
      {"sim::kTopology", sim::rng_purpose::kTopology, 1},
      {"plan::kGroupAssignment", plan::rng_purpose::kGroupAssignment, 2},
      {"bitcoin::kMining", bitcoin::rng_purpose::kMining, 3},
      {"sim::kLatencyJitter", sim::rng_purpose::kLatencyJitter, 4},
      {"bitcoin::kNode", bitcoin::rng_purpose::kNode, 5},
      {"plan::kRegionAssignment", plan::rng_purpose::kRegionAssignment, 6},
      {"bitcoin::kTransactions", bitcoin::rng_purpose::kTransactions, 7},
      {"sim::kConnections (retired)", sim::rng_purpose::kConnections, 8},
      {"bitcoin::kAddrManKey", bitcoin::rng_purpose::kAddrManKey, 9},
      {"bitcoin::kAddressSeeds", bitcoin::rng_purpose::kAddressSeeds, 10},
      {"plan::kAutonomousSystems", plan::rng_purpose::kAutonomousSystems, 11},
      {"bitcoin::kRushingLinks", bitcoin::rng_purpose::kRushingLinks, 12},
      {"plan::kPartitionSides", plan::rng_purpose::kPartitionSides, 13},
      {"bitcoin::kEclipseAddresses", bitcoin::rng_purpose::kEclipseAddresses, 14},
      {"sim::kChurn", sim::rng_purpose::kChurn, 15},
      {"sim::kLinkFailures", sim::rng_purpose::kLinkFailures, 16},
      {"analysis::kSampling", analysis::rng_purpose::kSampling, 17},
      {"tendermint::kTransactions", tendermint::rng_purpose::kTransactions, 18},
      {"sim::kMessageFaults", sim::rng_purpose::kMessageFaults, 19},
      {"explore::kBitcoinCases", explore::rng_purpose::kBitcoinCases, 20},
      {"explore::kTendermintCases", explore::rng_purpose::kTendermintCases, 21},
  };
  return all;
}

TEST(RngPurposes, KeepTheValuesResultsWereRecordedWith) {
  for (const Entry& e : AllPurposes()) EXPECT_EQ(e.purpose.value, e.recorded) << e.name;
}

TEST(RngPurposes, NoTwoOwnersShareAValue) {
  std::map<std::uint32_t, std::string> seen;
  for (const Entry& e : AllPurposes()) {
    const auto [it, fresh] = seen.emplace(e.purpose.value, e.name);
    EXPECT_TRUE(fresh) << e.name << " reuses " << e.purpose.value << " of " << it->second;
  }
}

TEST(RngPurposes, TheListHoldsEveryOwnersPurposes) {
  // Owners declare purposes in their rng_purposes.hpp, one `inline constexpr RngPurpose` each.
  namespace fs = std::filesystem;
  std::size_t declared = 0;
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(PEERLAB_SOURCE_DIR);
       it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name == "build" || name.starts_with("."))) {
      it.disable_recursion_pending();  // build trees and tool caches hold no sources
      continue;
    }
    if (name != "rng_purposes.hpp") continue;
    files.push_back(it->path().string());
    std::ifstream in(it->path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string s = text.str();
    for (std::size_t at = s.find("inline constexpr RngPurpose"); at != std::string::npos;
         at = s.find("inline constexpr RngPurpose", at + 1)) {
      ++declared;
    }
  }
  EXPECT_EQ(files.size(), 6u) << ::testing::PrintToString(files);
  EXPECT_EQ(declared, AllPurposes().size()) << "a purpose is missing from this list";
}

TEST(RngPurposes, ThePurposeSeparatesStreams) {
  Rng a(9, 0, plan::rng_purpose::kRegionAssignment);
  Rng b(9, 0, sim::rng_purpose::kTopology);
  Rng a2(9, 0, RngPurpose{plan::rng_purpose::kRegionAssignment.value});
  const std::uint64_t first = a.Next();
  EXPECT_NE(first, b.Next());
  EXPECT_EQ(first, a2.Next());
}

}  // namespace
}  // namespace peerlab
