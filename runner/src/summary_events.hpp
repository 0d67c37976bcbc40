// Internal to the runner: the summary.json parts about reorgs and network events.
#pragma once

#include "peerlab/results/json.hpp"
#include "peerlab/bitcoin/sim/report.hpp"

namespace peerlab::runner::detail {

// `reorgs.depth_histogram`: {"1": count, "2": count, ...}, depths that occurred, ascending.
void WriteReorgDepthHistogram(results::JsonWriter& w, const sim::SimReport& r);
// `partitions`: one object per partition that started, in order (design.md §6).
void WritePartitions(results::JsonWriter& w, const sim::SimReport& r);

}  // namespace peerlab::runner::detail
