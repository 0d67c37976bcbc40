// `peerlab analyze RUN_DIR | --graph FILE [--out DIR]`: topology metrics of a run's overlay or
// of any edge list (docs/analysis.md). Exit status 0 ok, 2 bad input.
#pragma once

namespace peerlab::apps {

// argv[1] is "analyze".
int AnalyzeMain(int argc, char** argv);

}  // namespace peerlab::apps
