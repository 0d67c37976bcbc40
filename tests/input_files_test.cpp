// Hostile input files (issue 24, defects 8, 10, 11): what LoadScenario, the YAML gate and the
// edge-list reader refuse, with the one error line each gives. Files are written to a fresh
// temporary directory; the node-count and size cases generate their input.
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "peerlab/scenario/scenario.hpp"
#include "peerlab/sim/topology.hpp"
#include "peerlab/util/input_file.hpp"

namespace peerlab::scenario {
namespace {

namespace fs = std::filesystem;

// One directory per test and process: ctest runs tests in parallel processes, and tests here
// write files of the same names.
fs::path Dir() {
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("peerlab_input_files_" + std::string(test ? test->name() : "none") + "_" +
                        std::to_string(::getpid()));
  // Removed when the process ends (a FIFO or a sparse file must not pile up in /tmp).
  static struct Cleanup {
    std::vector<fs::path> dirs;
    ~Cleanup() {
      std::error_code ec;
      for (const fs::path& d : dirs) fs::remove_all(d, ec);
    }
  } cleanup;
  if (fs::create_directories(dir)) cleanup.dirs.push_back(dir);
  return dir;
}

std::string Write(const std::string& name, const std::string& text) {
  const fs::path path = Dir() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  return path.string();
}

// The error line of loading `path`, or "OK".
std::string LoadError(const std::string& path) {
  auto r = LoadScenario(path, {});
  return r.ok() ? "OK" : r.status().message();
}

std::string ParseError(const std::string& text) {
  auto r = ParseScenario(text, "s.yaml", "", {});
  return r.ok() ? "OK" : r.status().message();
}

// ---- defect 8: what is read at all ------------------------------------------------------------

TEST(InputFiles, CharacterDeviceIsRefusedBeforeReading) {
  EXPECT_EQ(LoadError("/dev/zero"),
            "/dev/zero: cannot read file: is a character device, not a regular file");
}

TEST(InputFiles, FifoIsRefusedWithoutBlocking) {
  const std::string path = (Dir() / "pipe.yaml").string();
  fs::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  // No writer ever opens the FIFO: a blocking open would hang this test (ctest's timeout).
  EXPECT_EQ(LoadError(path), path + ": cannot read file: is a FIFO (named pipe), not a regular file");
  fs::remove(path);
}

TEST(InputFiles, DirectoryIsRefused) {
  EXPECT_EQ(LoadError(Dir().string()),
            Dir().string() + ": cannot read file: is a directory, not a regular file");
}

TEST(InputFiles, FileOverTheSizeLimitIsRefusedBeforeParsing) {
  const std::string path = (Dir() / "big.yaml").string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "# padding\n";
  }
  fs::resize_file(path, kMaxScenarioBytes + 1);  // sparse: costs no disk
  EXPECT_EQ(LoadError(path), path + ": cannot read file: is 8388609 bytes, more than the limit "
                                    "of 8 MiB");
  fs::remove(path);
  EXPECT_EQ(ParseError(std::string(kMaxScenarioBytes + 1, '#')),
            "s.yaml: the scenario is 8388609 bytes, more than the limit of 8 MiB");
}

TEST(InputFiles, LongListStopsAtTheNodeLimitBeforeYamlCppBuildsIt) {
  // 300,000 items: past the 250,000-node limit, under the size limit. The gate refuses it at
  // the first node too many, as the converter did after yaml-cpp had built everything.
  std::string text;
  text.reserve(1'200'000);
  for (int i = 0; i < 300'000; ++i) text += "- 1\n";
  EXPECT_EQ(ParseError(text),
            "s.yaml:250000:3: yaml: document too large (more than 250000 nodes, counting alias "
            "expansions)");
}

TEST(InputFiles, ReadInputFileReadsRegularFiles) {
  const std::string path = Write("plain.txt", "abc\n");
  auto text = ReadInputFile(path, 4);
  ASSERT_TRUE(text.ok()) << text.status().message();
  EXPECT_EQ(*text, "abc\n");
  EXPECT_EQ(ReadInputFile(path, 3).status().message(),
            "is 4 bytes, more than the limit of 3 bytes");
}

// ---- defect 11: YAML errors at their place -------------------------------------------------

TEST(InputFiles, UnterminatedQuoteIsReportedWhereItOpens) {
  EXPECT_EQ(ParseError("version: 1\nname: \"base\nstop: { blocks: 5 }\n"),
            "s.yaml:2:7: yaml: unterminated quoted string (no closing \" before the end of the "
            "file)");
  EXPECT_EQ(ParseError("version: 1\nname: 'it''s\n"),
            "s.yaml:2:7: yaml: unterminated quoted string (no closing ' before the end of the "
            "file)");
  EXPECT_EQ(ParseError("version: 1\nname: &a !!str \"x\\\"\n"),
            "s.yaml:2:16: yaml: unterminated quoted string (no closing \" before the end of the "
            "file)");
  // Closed strings, escapes and doubled single quotes are fine.
  EXPECT_EQ(ParseError("name: \"a\\\"b\"\nversion: 2\n"),
            "s.yaml:2:10: version: unsupported version 2 (this build reads version 1)");
}

TEST(InputFiles, NulAndControlBytesAreRefusedWhereTheyAre) {
  EXPECT_EQ(ParseError(std::string("version: 1\nname: ba\0se\n", 24)),
            "s.yaml:2:9: yaml: NUL byte: this is not a text file (scenarios are UTF-8 text)");
  EXPECT_EQ(ParseError("version: 1\nname: b\x07se\n"),
            "s.yaml:2:8: yaml: control character 0x07 is not allowed (only tab and line breaks)");
  EXPECT_EQ(ParseError("version: 1\x7f\n"),
            "s.yaml:1:11: yaml: control character 0x7f is not allowed (only tab and line breaks)");
}

TEST(InputFiles, DeepNestingStopsAtTheLimitNotInYamlCpp) {
  // yaml-cpp alone recurses to 500 levels and then says "bad file" at 1:1.
  EXPECT_EQ(ParseError(std::string(100'000, '[')),
            "s.yaml:1:65: yaml: nested more than 64 levels deep (or an alias refers to itself)");
  EXPECT_EQ(ParseError("a: " + std::string(100'000, '{')),
            "s.yaml:1:68: yaml: nested more than 64 levels deep (or an alias refers to itself)");
  std::string block;
  for (int i = 0; i < 100'000; ++i) block += "- ";
  EXPECT_EQ(ParseError(block + "1\n"),
            "s.yaml:1:131: yaml: nested more than 64 levels deep (or an alias refers to itself)");
}

TEST(InputFiles, UnclosedBracketIsReportedWhereItOpens) {
  // yaml-cpp reports these at the line after the end with "end of sequence flow not found".
  EXPECT_EQ(ParseError("version: 1\nname: x\noutputs: [summary, blocks\n"),
            "s.yaml:3:10: yaml: this `[` is never closed (no `]` before the end of the file)");
  EXPECT_EQ(ParseError("stop: {blocks: 5\n"),
            "s.yaml:1:7: yaml: this `{` is never closed (no `}` before the end of the file)");
  // Below the depth limit the innermost unclosed bracket is named, not the depth.
  EXPECT_EQ(ParseError("a: " + std::string(40, '[')),
            "s.yaml:1:43: yaml: this `[` is never closed (no `]` before the end of the file)");
}

// ---- defect 10: edge lists are checked at load time, in the file ---------------------------

std::string EdgeScenario(const std::string& edges_name) {
  return "version: 1\nname: t\nstop: { blocks: 5 }\nnetwork:\n  nodes: 4\n"
         "  topology: { kind: edge-list, file: " +
         edges_name + " }\ngroups:\n  all: { nodes: rest, hashrate: 1 }\n";
}

std::string EdgeError(const std::string& edges) {
  const std::string edges_path = Write("e.txt", edges);
  return LoadError(Write("e.yaml", EdgeScenario("e.txt")));
}

TEST(InputFiles, BadEdgeListsFailAtLoadWithTheFilesLineAndColumn) {
  const std::string e = (Dir() / "e.txt").string();
  EXPECT_EQ(EdgeError("0 1\n0 x\n"),
            e + ":2:3: network.topology.file: expected a node index (an integer from 0), got `x`");
  EXPECT_EQ(EdgeError("0 1\n  1 9\n"),
            e + ":2:5: network.topology.file: node index `9` out of range (network has 4 nodes, "
                "indices 0..3)");
  EXPECT_EQ(EdgeError("0 1 2\n"),
            e + ":1:5: network.topology.file: expected two node indices, found a third");
  EXPECT_EQ(EdgeError("0,-1\n"),
            e + ":1:3: network.topology.file: node index must not be negative, got `-1`");
  EXPECT_EQ(EdgeError("# only\n3\n"),
            e + ":2:1: network.topology.file: expected two node indices, found one");
  EXPECT_EQ(EdgeError("2 2\n"), e + ":1:1: network.topology.file: a node cannot connect to itself");
  EXPECT_EQ(EdgeError("0 1\n1 2\n2 1\n"),
            e + ":3:1: network.topology.file: duplicate connection (line 2 already connects "
                "these nodes)");
  // The earliest problem in the file wins, duplicate or not.
  EXPECT_EQ(EdgeError("0 1\n1 0\n0 x\n"),
            e + ":2:1: network.topology.file: duplicate connection (line 1 already connects "
                "these nodes)");
  EXPECT_EQ(EdgeError("0 1\n0 x\n1 0\n"),
            e + ":2:3: network.topology.file: expected a node index (an integer from 0), got `x`");
  EXPECT_EQ(EdgeError("0 " + std::string(1000, '7') + "\n"),
            e + ":1:3: network.topology.file: node index `777777777777777777777777...` out of "
                "range (network has 4 nodes, indices 0..3)");
  EXPECT_EQ(EdgeError("0 1\n# fine\n1\t2 # c\r\n2,3"), "OK");
}

TEST(InputFiles, EdgeListWithoutConnectionsIsRefusedAtTheScenarioKey) {
  const std::string scenario = Write("e.yaml", EdgeScenario("e.txt"));
  Write("e.txt", "# nothing\n\n");
  EXPECT_EQ(LoadError(scenario),
            scenario + ":6:38: network.topology.file: edge-list file `" + (Dir() / "e.txt").string() +
                "`: no connections (expected lines `FROM TO` of 0-based node indices)");
}

TEST(InputFiles, EdgeListFifoAndDeviceAreRefusedWithoutBlocking) {
  const std::string fifo = (Dir() / "e_pipe.txt").string();
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string scenario = Write("e_pipe.yaml", EdgeScenario("e_pipe.txt"));
  EXPECT_EQ(LoadError(scenario), scenario + ":6:38: network.topology.file: edge-list file `" +
                                     fifo + "` is not a file");
  fs::remove(fifo);
  EXPECT_EQ(sim::EdgeListTopology("/dev/zero", 4).status().message(),
            "/dev/zero: cannot read edge list: is a character device, not a regular file");
}

TEST(InputFiles, EdgeListOverTheSizeLimitIsRefusedBeforeReading) {
  const std::string path = (Dir() / "huge_edges.txt").string();
  { std::ofstream(path, std::ios::trunc) << "0 1\n"; }
  fs::resize_file(path, sim::kMaxEdgeListBytes + 1);  // sparse
  EXPECT_EQ(sim::EdgeListTopology(path, 4).status().message(),
            path + ": cannot read edge list: is 268435457 bytes, more than the limit of 256 MiB");
  fs::remove(path);
}

}  // namespace
}  // namespace peerlab::scenario
