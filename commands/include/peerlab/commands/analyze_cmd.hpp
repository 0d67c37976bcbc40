// `peerlab analyze RUN_DIR | --graph FILE [--out DIR]`: topology metrics of a run's overlay or
// of any edge list (docs/analysis.md). Exit status 0 ok, 2 bad input.
#pragma once

#include <string>

#include "peerlab/analysis/topology.hpp"
#include "peerlab/util/status.hpp"

namespace peerlab::commands {

struct AnalyzeRequest {
  std::string run_dir;     // RUN_DIR mode: reads and writes there
  std::string graph_file;  // --graph mode
  std::string out;         // --graph mode: directory to write; empty: write nothing
  analysis::TopologyOptions options;
};
struct AnalyzeOutput {
  std::string analysis_json;
  std::string report_md;
  std::string written_dir;  // where analysis.json and report.md went; empty: not written
};
// The whole command without argument parsing or printing (also the Python `analyze`):
// errors are the one-line messages the command prints.
Result<AnalyzeOutput> RunAnalyze(const AnalyzeRequest& request);

// argv[1] is "analyze".
int AnalyzeMain(int argc, char** argv);

}  // namespace peerlab::commands
