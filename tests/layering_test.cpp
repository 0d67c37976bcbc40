// Layering rules of docs/design.md §2 that CMake links cannot catch: the protocol families stay
// sans-IO (no engine, ns-3, YAML, sockets, clocks or OS randomness), the engine (sim/) names
// no protocol family, util and results stay low, analysis sees only results and util, scenario
// only builds a configuration (the runner runs it), and the shared commands and the Python
// module reach no further than they should.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
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

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// C++ source as the compiler sees its names: comments and string and character literals
// blanked, `#include` lines collected separately.
struct Source {
  std::vector<std::string> includes;
  std::string code;
};

Source Lex(const std::string& text) {
  Source out;
  std::size_t i = 0;
  const std::size_t n = text.size();
  bool line_start = true;
  while (i < n) {
    const char c = text[i];
    if (line_start) {
      std::size_t j = i;
      while (j < n && (text[j] == ' ' || text[j] == '\t')) ++j;
      if (text.compare(j, 8, "#include") == 0) {
        const std::size_t open = text.find_first_of("\"<", j + 8);
        const std::size_t eol = text.find('\n', j);
        if (open != std::string::npos && open < eol) {
          const std::size_t close = text.find_first_of("\">", open + 1);
          if (close != std::string::npos && close < eol) {
            out.includes.push_back(text.substr(open + 1, close - open - 1));
          }
        }
        i = eol == std::string::npos ? n : eol;
        continue;
      }
    }
    line_start = c == '\n';
    if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      while (i < n && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      const std::size_t end = text.find("*/", i + 2);
      i = end == std::string::npos ? n : end + 2;
      out.code += ' ';
    } else if (c == '"' || c == '\'') {
      ++i;
      while (i < n && text[i] != c) i += text[i] == '\\' ? 2 : 1;
      ++i;
      out.code += ' ';
    } else {
      out.code += c;
      ++i;
    }
  }
  return out;
}

// The words of every identifier, lower case: `kBlockFound` -> k, block, found;
// `tx_store` -> tx, store.
std::set<std::string> IdentifierWords(const std::string& code) {
  std::set<std::string> words;
  std::size_t i = 0;
  while (i < code.size()) {
    if (!(std::isalpha(static_cast<unsigned char>(code[i])) || code[i] == '_')) {
      ++i;
      continue;
    }
    std::string word;
    auto flush = [&] {
      if (!word.empty()) words.insert(word);
      word.clear();
    };
    while (i < code.size() &&
           (std::isalnum(static_cast<unsigned char>(code[i])) || code[i] == '_')) {
      const char ch = code[i];
      if (ch == '_' || std::isdigit(static_cast<unsigned char>(ch))) {
        flush();
      } else if (std::isupper(static_cast<unsigned char>(ch)) &&
                 (!word.empty() && !std::isupper(static_cast<unsigned char>(word.back())))) {
        flush();
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      } else {
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      }
      ++i;
    }
    flush();
  }
  return words;
}

// Words that belong to a protocol family (Bitcoin's here): the engine's headers must not use
// them, nor may any engine file include a family's headers.
const std::vector<std::string> kFamilyWords = {
    "bitcoin", "block", "blocks", "mempool", "mining", "miner", "miners", "hashrate",
    "tx", "txs", "wallet", "eclipse", "selfish", "rushing", "addrman", "feeler", "feelers",
    "cmpct", "compact", "headers", "inv", "getdata", "strategy"};
const std::vector<std::string> kFamilyIncludes = {"peerlab/bitcoin/", "peerlab/scenario/",
                                                  "peerlab/results/", "peerlab/analysis/",
                                                  "yaml-cpp"};

std::vector<std::string> FamilyNames(const std::string& label, const std::string& text,
                                     bool check_identifiers) {
  std::vector<std::string> found;
  const Source src = Lex(text);
  for (const std::string& inc : src.includes) {
    for (const std::string& banned : kFamilyIncludes) {
      if (inc.rfind(banned, 0) == 0) found.push_back(label + " includes " + inc);
    }
  }
  if (check_identifiers) {
    const std::set<std::string> words = IdentifierWords(src.code);
    for (const std::string& w : kFamilyWords) {
      if (words.count(w)) found.push_back(label + " names `" + w + "`");
    }
  }
  return found;
}

TEST(Layering, FamilyNameCheckSeesThroughCommentsAndStrings) {
  // The check must catch real uses and only those.
  EXPECT_EQ(FamilyNames("a", "#include \"peerlab/bitcoin/node.hpp\"\n", true).size(), 1u);
  EXPECT_EQ(FamilyNames("a", "int kBlockFound = 0;", true).size(), 1u);
  EXPECT_EQ(FamilyNames("a", "void f(TxHandle h);", true).size(), 1u);
  EXPECT_EQ(FamilyNames("a", "namespace x = peerlab::bitcoin;", true).size(), 1u);
  EXPECT_TRUE(FamilyNames("a", "// a block is mined\nint CrossingBlocked;", true).empty());
  EXPECT_TRUE(FamilyNames("a", "const char* s = \"bitcoin block\"; /* tx */", true).empty());
  EXPECT_TRUE(FamilyNames("a", "#include \"peerlab/sim/engine.hpp\"\n", true).empty());
}

TEST(Layering, EngineNamesNoProtocolFamily) {
  std::vector<std::string> found;
  // The engine, and the ns-3 transport that plugs into it, serve every family.
  for (const char* dir : {"sim", "ns3"}) {
    const fs::path root = fs::path(PEERLAB_SOURCE_DIR) / dir;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      // Every file: no family include. Engine headers (its contract): no family name either.
      const bool contract = ext == ".hpp" && std::string(dir) == "sim";
      const auto v = FamilyNames(fs::relative(entry.path(), PEERLAB_SOURCE_DIR).string(),
                                 ReadText(entry.path()), contract);
      found.insert(found.end(), v.begin(), v.end());
    }
  }
  EXPECT_TRUE(found.empty()) << ::testing::PrintToString(found);
}

TEST(Layering, ProtocolIsSansIo) {
  // The node, its messages and stores (families/bitcoin/sim is the family's engine driver).
  const std::vector<std::string> banned = {
      "peerlab/sim/", "peerlab/scenario/", "peerlab/results/", "peerlab/analysis/", "ns3/",
      "yaml-cpp", "<sys/socket.h>", "<netinet/", "<random>", "<chrono>", "<thread>", "<ctime>",
      "steady_clock", "system_clock", "random_device", "getenv", "fopen", "<fstream>",
      "<iostream>",
      // the JSON text form is a tool concern (wire_json/)
      "peerlab/wire_json/", "Json"};
  auto v = Violations("families/bitcoin/include", banned);
  const auto w = Violations("families/bitcoin/src", banned);
  v.insert(v.end(), w.begin(), w.end());
  EXPECT_TRUE(v.empty()) << ::testing::PrintToString(v);
}

TEST(Layering, LowerLayersDoNotReachUp) {
  auto v = Violations("util", {"peerlab/bitcoin/", "peerlab/sim/", "peerlab/results/",
                               "peerlab/scenario/", "peerlab/analysis/", "peerlab/runner/",
                               "peerlab/commands/", "peerlab/testbed/"});
  // results, the schema of every result file, sits on util alone: the engine's report is
  // mapped onto it by the runner, the testbed's tables by the testbed.
  auto r = Violations("results", {"peerlab/bitcoin/", "peerlab/sim/", "peerlab/scenario/",
                                  "peerlab/analysis/", "peerlab/runner/", "peerlab/commands/",
                                  "peerlab/testbed/", "ns3/", "yaml-cpp"});
  // The engine's includes are checked by EngineNamesNoProtocolFamily; no clock either.
  auto s = Violations("sim", {"<chrono>"});
  // analysis may use results and util only: theory and stored runs, never the engine.
  auto a = Violations("analysis", {"peerlab/bitcoin/", "peerlab/sim/", "peerlab/scenario/",
                                   "ns3/", "yaml-cpp"});
  // testbed (the real-TCP daemon) sits beside sim: protocol, results and util only.
  auto t = Violations("testbed", {"peerlab/sim/", "peerlab/scenario/", "peerlab/analysis/",
                                  "ns3/", "yaml-cpp"});
  // scenario parses, validates and builds; running and writing are the runner's. Of analysis
  // it may include the optimal-selfish MDP solver only (the policy `optimal-selfish` plays).
  auto c = Violations("scenario", {"peerlab/runner/", "peerlab/results/", "peerlab/commands/",
                                   "peerlab/testbed/", "peerlab/ns3/"});
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(PEERLAB_SOURCE_DIR) / "scenario")) {
    if (!entry.is_regular_file()) continue;
    for (const std::string& include : Lex(ReadText(entry.path())).includes) {
      if (include.starts_with("peerlab/analysis/") &&
          include != "peerlab/analysis/optimal_selfish.hpp") {
        c.push_back(entry.path().string() + " includes " + include);
      }
    }
  }
  // The runner sits on scenario and below, never on the commands or the testbed.
  auto u = Violations("runner", {"peerlab/commands/", "peerlab/analysis/", "peerlab/testbed/",
                                 "yaml-cpp"});
  // The shared commands (wire, theory, analyze) read stored runs: no engine, no runner.
  auto m = Violations("commands", {"peerlab/sim/", "peerlab/scenario/", "peerlab/runner/",
                                   "peerlab/testbed/", "ns3/"});
  // explore checks runs it makes itself: it writes no run directory and uses no commands.
  auto x = Violations("explore", {"peerlab/runner/", "peerlab/results/", "peerlab/commands/",
                                  "peerlab/testbed/", "peerlab/analysis/", "ns3/", "yaml-cpp"});
  // report builds a page from a run directory's files: results' names and util, nothing that
  // runs or analyses (so every kind of run directory, even a testbed's, gets the same page).
  auto rp = Violations("report", {"peerlab/bitcoin/", "peerlab/sim/", "peerlab/scenario/",
                                  "peerlab/runner/", "peerlab/commands/", "peerlab/analysis/",
                                  "peerlab/testbed/", "peerlab/tendermint/", "ns3/", "yaml-cpp"});
  // The Python module uses libraries through their include folders, never apps/ sources.
  auto py = Violations("python/src", {"apps/", "\"../"});
  v.insert(v.end(), c.begin(), c.end());
  v.insert(v.end(), u.begin(), u.end());
  v.insert(v.end(), m.begin(), m.end());
  v.insert(v.end(), py.begin(), py.end());
  v.insert(v.end(), x.begin(), x.end());
  v.insert(v.end(), r.begin(), r.end());
  v.insert(v.end(), t.begin(), t.end());
  v.insert(v.end(), s.begin(), s.end());
  v.insert(v.end(), rp.begin(), rp.end());
  v.insert(v.end(), a.begin(), a.end());
  EXPECT_TRUE(v.empty()) << ::testing::PrintToString(v);
}

TEST(Layering, CommandLinesAreParsedAtTheTop) {
  // CLI11 and its glue (cli/) are for programs and commands: apps, commands and the testbed
  // daemon's parser. The libraries beneath take typed options, never argv.
  std::vector<std::string> v;
  for (const char* dir : {"util", "results", "sim", "analysis", "scenario", "runner", "explore",
                          "families", "plan", "wire_json"}) {
    const auto w = Violations(dir, {"<CLI/", "peerlab/cli/"});
    v.insert(v.end(), w.begin(), w.end());
  }
  // cli/ itself sits on util alone.
  const auto c = Violations("cli", {"peerlab/bitcoin/", "peerlab/sim/", "peerlab/scenario/",
                                    "peerlab/results/", "peerlab/commands/", "peerlab/testbed/"});
  v.insert(v.end(), c.begin(), c.end());
  EXPECT_TRUE(v.empty()) << ::testing::PrintToString(v);
}

TEST(Layering, OneJsonLibraryThroughUtilAndYamlForScenariosOnly) {
  // Every JSON read and write goes through peerlab/util/json.hpp (nlohmann-json with the fixed
  // formats the held digests depend on); yaml-cpp reads scenarios, never JSON files.
  const fs::path json_door = fs::path("util") / "include" / "peerlab" / "util" / "json.hpp";
  std::vector<std::string> found;
  for (const char* dir : {"util", "results", "analysis", "wire_json", "families", "sim", "plan",
                          "scenario", "runner", "explore", "commands", "testbed", "apps",
                          "report", "cli", "python/src", "bench", "ns3"}) {
    const fs::path root = fs::path(PEERLAB_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      const auto ext = entry.path().extension();
      if (ext != ".cpp" && ext != ".hpp") continue;
      const fs::path rel = fs::relative(entry.path(), PEERLAB_SOURCE_DIR);
      for (const std::string& include : Lex(ReadText(entry.path())).includes) {
        if (include.starts_with("nlohmann/") && rel != json_door) {
          found.push_back(rel.string() + " includes " + include + " (use peerlab/util/json.hpp)");
        }
        if (include.starts_with("yaml-cpp/") && !rel.string().starts_with("scenario/")) {
          found.push_back(rel.string() + " includes " + include);
        }
      }
    }
  }
  EXPECT_TRUE(found.empty()) << ::testing::PrintToString(found);
}

}  // namespace
