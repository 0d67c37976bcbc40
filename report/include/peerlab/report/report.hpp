// `peerlab report RUN_DIR [--out FILE] [--open]`: one self-contained HTML file (report.html)
// showing a run directory: manifest, summary, propagation, fork tree, tables, topology,
// attack panels, analysis, and a propagation viewer (docs/report.md).
//
// The page is report/assets (HTML, CSS, JavaScript) compiled in at build time, with the run's
// files embedded verbatim as data blocks the script parses; nothing is fetched to view it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "peerlab/util/status.hpp"

namespace peerlab::report {

struct ReportOptions {
  std::filesystem::path output;  // empty: RUN_DIR/report.html
  // A run file larger than this is left out of the page (listed as too large) so a report of
  // a huge run stays openable; reach.csv of 10,000 nodes and 144 blocks is about 25 MB.
  std::uint64_t max_file_bytes = 64ull << 20;
};

// The run files the report reads, in the order they are embedded; missing ones are skipped
// (a Tendermint run has no blocks.csv, a testbed run no reach.csv).
const std::vector<std::string>& ReportedFiles();

// The whole page as text, from the files of `run_dir`. Fails when `run_dir` is not a
// directory or holds neither run.json nor summary.json.
Result<std::string> RenderReport(const std::filesystem::path& run_dir, const ReportOptions& options);

// Renders and writes the page (staged in FILE.partial, then renamed); returns its path.
Result<std::filesystem::path> WriteReport(const std::filesystem::path& run_dir,
                                          const ReportOptions& options = {});

// `--open`: hands `page` to xdg-open when it is on PATH and succeeds, else prints the path on
// stdout (to open by hand).
void OpenOrPrint(const std::filesystem::path& page);

}  // namespace peerlab::report
