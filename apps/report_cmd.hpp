// `peerlab report RUN_DIR [--out FILE] [--open]` (report_cmd.cpp; report/report.hpp).
#pragma once

namespace peerlab::apps {

int ReportMain(int argc, char** argv);

}  // namespace peerlab::apps
