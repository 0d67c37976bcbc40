#include "summary_events.hpp"

#include <optional>
#include <string>

namespace peerlab::scenario::detail {

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
  w.BeginArray();
  for (const sim::PartitionReport& p : r.partitions) {
    w.BeginObject();
    w.Key("at_s").Double(ToSeconds(p.at));
    w.Key("healed_at_s").Double(seconds(p.healed_at));
    w.Key("mode").String(p.mode == sim::PartitionMode::kDrop ? "drop" : "delay");
    w.Key("sides").BeginArray();
    for (const sim::PartitionSideReport& s : p.sides) {
      w.BeginObject();
      w.Key("nodes").UInt(s.nodes);
      w.Key("hashrate").Double(s.hashrate);
      w.Key("blocks_mined").UInt(s.blocks_mined);
      w.Key("blocks_orphaned").UInt(s.blocks_orphaned);
      w.EndObject();
    }
    w.EndArray();
    w.Key("time_to_consistency_s").Double(seconds(p.time_to_consistency));
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace peerlab::scenario::detail
