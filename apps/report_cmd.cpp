// `peerlab report RUN_DIR`: the command line of report/ (docs/report.md).
#include "report_cmd.hpp"

#include <cstdio>
#include <string>

#include "peerlab/cli/cli.hpp"
#include "peerlab/report/report.hpp"

namespace peerlab::apps {
namespace {

constexpr const char* kDescription =
    R"(Writes RUN_DIR/report.html: one self-contained page (no network access needed to view it)
showing the run's manifest and summary, block propagation CDFs, the fork tree, per-region and
per-group tables, the topology by region with partition sides and cut edges, a panel per
attack strategy, analysis.json when `peerlab analyze RUN_DIR` wrote it, and a propagation
viewer (pick a block, watch it reach the nodes; needs the run's reach.csv, written when the
scenario's `outputs` list `reach`). Panels without data are left out. Works for simulated,
ns-3, Tendermint and testbed run directories (docs/report.md).)";

constexpr const char* kFooter =
    R"(Example:
  peerlab run scenarios/default.yaml --out runs/d --set 'outputs=[summary, blocks, reach]'
  peerlab report runs/d --open
Exit status: 0 written, 1 not a run directory or not writable, 2 misuse.)";

constexpr int kExitFailed = 1;

}  // namespace

int ReportMain(int argc, char** argv) {
  std::string run_dir, output;
  bool open = false;
  CLI::App app{kDescription, "peerlab report"};
  cli::Configure(app, kFooter);
  app.add_option("RUN_DIR", run_dir, "the run directory (of peerlab run, testbed or ns-3)")
      ->required();
  app.add_option("--out", output, "write the page to FILE instead of RUN_DIR/report.html (an existing FILE is "
              "replaced only when peerlab report wrote it)")
      ->type_name("FILE");
  app.add_flag("--open", open,
               "open the page with xdg-open when it is installed (else print its path)");
  if (auto done = cli::Parse(app, argc, argv, 2)) return *done;
  report::ReportOptions options;
  options.output = output;
  auto written = report::WriteReport(run_dir, options);
  if (!written.ok()) {
    std::fprintf(stderr, "peerlab report: %s\n", written.status().message().c_str());
    return kExitFailed;
  }
  std::fprintf(stderr, "peerlab: wrote %s\n", written->c_str());
  if (open) report::OpenOrPrint(*written);
  return 0;
}

}  // namespace peerlab::apps
