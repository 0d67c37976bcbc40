// `peerlab report`'s page assembly (report/): the run's files embedded so that none can end its
// data block, missing files skipped, large ones listed but left out, bad directories refused.
// The page's behaviour in a browser is tests/python/test_report.py's.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "peerlab/report/report.hpp"

namespace {

namespace fs = std::filesystem;
using peerlab::report::RenderReport;
using peerlab::report::ReportOptions;
using peerlab::report::WriteReport;

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("peerlab_report_test_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Put(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  static std::size_t Count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }
  fs::path dir_;
};

TEST_F(ReportTest, NoEmbeddedFileCanEndItsBlock) {
  Put("summary.json", R"({"scenario": "a</script><b>", "nodes": 2})");
  Put("nodes.csv", "node,region,as,group,hashrate,online\n0,x\\y</SCRIPT>,1,g,1,true\n");
  Put("edges.csv", "source,target,type\n");
  auto page = RenderReport(dir_, {});
  ASSERT_TRUE(page.ok()) << page.status().message();
  // Every `</script` in the page closes one of the page's own <script> elements.
  EXPECT_EQ(Count(*page, "<script"), Count(*page, "</script>"));
  EXPECT_EQ(Count(*page, "</SCRIPT"), 0u);
  // JSON: `<` as \u003c (the same string once parsed); CSV: `\` doubled and `<` as `\l`.
  EXPECT_NE(page->find(R"({"scenario": "a\u003c/script>\u003cb>", "nodes": 2})"), std::string::npos);
  EXPECT_NE(page->find("data-name=\"nodes.csv\" data-escaped=\"1\">"), std::string::npos);
  EXPECT_NE(page->find("0,x\\\\y\\l/SCRIPT>,1,g,1,true"), std::string::npos);
  // A CSV without `<` goes in verbatim, unmarked.
  EXPECT_NE(page->find("data-name=\"edges.csv\">source,target,type\n</script>"), std::string::npos);
}

TEST_F(ReportTest, MissingFilesAreSkippedAndLargeOnesListed) {
  Put("run.json", R"({"peerlab_version": "0.1.0"})");
  Put("blocks.csv", std::string("id,height\n") + std::string(200, 'a') + ",1\n");
  ReportOptions options;
  options.max_file_bytes = 100;
  auto page = RenderReport(dir_, options);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_NE(page->find(R"("run.json":{"bytes":28,"embedded":true})"), std::string::npos);
  EXPECT_NE(page->find(R"("blocks.csv":{"bytes":213,"embedded":false})"), std::string::npos);
  EXPECT_EQ(page->find("data-name=\"blocks.csv\""), std::string::npos);
  EXPECT_EQ(page->find("summary.json\":"), std::string::npos);
  // The template's slots are all filled.
  for (const char* slot : {"@TITLE@", "/*@CSS@*/", "/*@JS@*/", "<!--@DATA@-->"}) {
    EXPECT_EQ(page->find(slot), std::string::npos) << slot;
  }
}

TEST_F(ReportTest, RefusesWhatIsNotARunDirectory) {
  auto empty = RenderReport(dir_, {});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("not a run directory (neither run.json nor summary.json)"),
            std::string::npos);
  auto missing = WriteReport(dir_ / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope: not a run directory"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / "nope"));
}

TEST_F(ReportTest, WritesReportHtmlInPlaceOfAStagedFile) {
  Put("summary.json", R"({"nodes": 1})");
  auto written = WriteReport(dir_);
  ASSERT_TRUE(written.ok()) << written.status().message();
  EXPECT_EQ(*written, dir_ / "report.html");
  EXPECT_TRUE(fs::is_regular_file(dir_ / "report.html"));
  EXPECT_FALSE(fs::exists(dir_ / "report.html.partial"));
  ReportOptions elsewhere;
  elsewhere.output = dir_ / "other.html";
  ASSERT_TRUE(WriteReport(dir_, elsewhere).ok());
  EXPECT_TRUE(fs::is_regular_file(dir_ / "other.html"));
}

TEST_F(ReportTest, ReplacesOnlyPagesItWrote) {
  Put("summary.json", R"({"nodes": 1})");
  ASSERT_TRUE(WriteReport(dir_).ok());
  ASSERT_TRUE(WriteReport(dir_).ok()) << "a page written before is replaced";
  // A user's file given as --out is left as it is.
  Put("notes.txt", "mine");
  ReportOptions onto_notes;
  onto_notes.output = dir_ / "notes.txt";
  auto refused = WriteReport(dir_, onto_notes);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("notes.txt: exists and is not a page peerlab report wrote"),
            std::string::npos);
  std::ifstream in(dir_ / "notes.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "mine");
  EXPECT_FALSE(fs::exists(dir_ / "notes.txt.partial"));
  // A directory is refused by name, and so is a user's file where the staged page would go.
  fs::create_directories(dir_ / "sub");
  ReportOptions onto_dir;
  onto_dir.output = dir_ / "sub";
  auto dir = WriteReport(dir_, onto_dir);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("sub: is a directory"), std::string::npos);
  Put("page.html.partial", "mine too");
  ReportOptions onto_staging;
  onto_staging.output = dir_ / "page.html";
  EXPECT_FALSE(WriteReport(dir_, onto_staging).ok());
  EXPECT_FALSE(fs::exists(dir_ / "page.html"));
}

}  // namespace
