#include "summary_events.hpp"

#include <optional>
#include <string>

#include "peerlab/results/summary.hpp"

namespace peerlab::runner::detail {

void WriteReorgDepthHistogram(results::JsonWriter& w, const sim::SimReport& r) {
  w.BeginObject();
  for (std::size_t depth = 1; depth < r.reorg_depth_counts.size(); ++depth) {
    if (r.reorg_depth_counts[depth] == 0) continue;
    w.Key(std::to_string(depth)).UInt(r.reorg_depth_counts[depth]);
  }
  w.EndObject();
}

void WritePartitions(results::JsonWriter& w, const sim::SimReport& r) {
  auto seconds = [](const std::optional<TimeNs>& t) {
    return t ? std::optional<double>(ToSeconds(*t)) : std::nullopt;
  };
  using namespace results::summary;
  w.BeginArray();
  for (const sim::PartitionReport& p : r.partitions) {
    w.BeginObject();
    w.Key(kAtS).Double(ToSeconds(p.at));
    w.Key(kHealedAtS).Double(seconds(p.healed_at));
    w.Key(kMode).String(p.mode == sim::PartitionMode::kDrop ? "drop" : "delay");
    w.Key(kSides).BeginArray();
    for (const sim::PartitionSideReport& s : p.sides) {
      w.BeginObject();
      w.Key(kNodes).UInt(s.nodes);
      w.Key(kHashrate).Double(s.hashrate);
      w.Key(kBlocksMined).UInt(s.blocks_mined);
      w.Key(kBlocksOrphaned).UInt(s.blocks_orphaned);
      w.EndObject();
    }
    w.EndArray();
    w.Key(kTimeToConsistencyS).Double(seconds(p.time_to_consistency));
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace peerlab::runner::detail
