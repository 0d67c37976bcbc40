// Sample summaries every family reports the same way (summary.json's {mean, p50, p90, p99}).
#pragma once

#include <optional>
#include <vector>

namespace peerlab::sim {

// Nearest-rank summary of a sample; all null when the sample is empty.
struct Distribution {
  std::optional<double> mean, p50, p90, p99;
};
Distribution Summarize(std::vector<double> values);

}  // namespace peerlab::sim
