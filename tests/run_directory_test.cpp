// RunDirectory's safety contract (issue 24, defects 1 and 7): Open refuses what it must never
// replace before anything is written, and staging stays beside the run, never inside it.
#include "peerlab/results/run_directory.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using peerlab::results::HoldsPeerlabRun;
using peerlab::results::RunDirectory;

namespace {

class RunDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("peerlab-rundir-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  static void WriteFile(const fs::path& p, const std::string& text) {
    std::ofstream(p) << text;
  }
  fs::path root_;
};

TEST_F(RunDirectoryTest, RootAndDotsAreRefusedWithoutTouchingThem) {
  for (const std::string path : {"/", "//", ".", "./", "..", "../"}) {
    auto opened = RunDirectory::Open(path, /*replace=*/true);
    ASSERT_FALSE(opened.ok()) << path;
    EXPECT_NE(opened.status().message().find("refusing"), std::string::npos)
        << opened.status().message();
  }
  EXPECT_FALSE(fs::exists("/.partial"));
}

TEST_F(RunDirectoryTest, ManifestDecidesWhatIsARun) {
  EXPECT_FALSE(HoldsPeerlabRun(root_.string()));
  WriteFile(root_ / "run.json", "{\"name\": \"someone else's\"}");
  EXPECT_FALSE(HoldsPeerlabRun(root_.string()));
  WriteFile(root_ / "run.json", "{\"peerlab_version\": \"1.0\", \"seed\": 1}");
  EXPECT_TRUE(HoldsPeerlabRun(root_.string()));
  fs::remove(root_ / "run.json");
  fs::create_directory(root_ / "run.json");
  EXPECT_FALSE(HoldsPeerlabRun(root_.string()));
}

TEST_F(RunDirectoryTest, TrailingSlashStagesBesideTheRun) {
  const std::string out = (root_ / "new").string() + "//";
  auto opened = RunDirectory::Open(out, false);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  RunDirectory dir = std::move(opened).value();
  EXPECT_EQ(dir.path(), (root_ / "new").string());
  EXPECT_EQ(dir.staging(), (root_ / "new.partial").string());
  ASSERT_TRUE(dir.Write("run.json", "{\"peerlab_version\": \"x\"}").ok());
  ASSERT_TRUE(dir.Commit().ok());
  EXPECT_TRUE(HoldsPeerlabRun((root_ / "new").string()));
  EXPECT_FALSE(fs::exists(root_ / "new" / std::string(RunDirectory::kStagingMarker)));
  EXPECT_FALSE(fs::exists(root_ / "new.partial"));
}

TEST_F(RunDirectoryTest, DirectoryThatAppearsDuringTheRunKeepsBothSides) {
  auto opened = RunDirectory::Open((root_ / "out").string(), false);
  ASSERT_TRUE(opened.ok());
  RunDirectory dir = std::move(opened).value();
  ASSERT_TRUE(dir.Write("summary.json", "{}").ok());
  fs::create_directory(root_ / "out");
  WriteFile(root_ / "out" / "notes.txt", "mine");
  EXPECT_FALSE(dir.Commit().ok());
  EXPECT_TRUE(fs::exists(root_ / "out" / "notes.txt"));
  EXPECT_TRUE(fs::exists(root_ / "out.partial" / "summary.json"));
}

}  // namespace
