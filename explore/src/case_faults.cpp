// Partitions and message faults of generated cases (case_faults.hpp).
#include "peerlab/explore/case_faults.hpp"

#include <algorithm>

#include "case_util.hpp"

namespace peerlab::explore {

DurationNs CaseFaults::end() const {
  DurationNs end = 0;
  for (const CasePartition& p : partitions) end = std::max(end, p.at + p.length);
  for (const CaseFault& f : faults) end = std::max(end, f.end);
  return end;
}

std::string CaseFaults::FaultsYaml() const {
  if (faults.empty()) return "";
  std::string y = "  faults:\n";
  for (const CaseFault& f : faults) {
    y += "    - {";
    if (!f.from.empty()) y += "from: " + NodeList(f.from) + ", ";
    if (!f.to.empty()) y += "to: " + NodeList(f.to) + ", ";
    y += "start: " + Ms(f.start) + ", end: " + Ms(f.end) + ", drop: " + Share(f.drop) +
         ", duplicate: " + Share(f.duplicate) + ", delay: " + Ms(f.delay) +
         ", reorder: " + Ms(f.reorder) + "}\n";
  }
  return y;
}

std::string CaseFaults::EventsYaml() const {
  if (partitions.empty()) return "";
  std::string y = "events:\n";
  for (const CasePartition& p : partitions) {
    std::string side = NodeList(p.side);
    if (!p.side_groups.empty()) {
      side.clear();
      for (const std::string& g : p.side_groups) side += (side.empty() ? "" : ", ") + ("group: " + g);
      side = "[" + side + "]";
    }
    y += "  - {at: " + Ms(p.at) + ", kind: partition, sides: [" + side +
         ", [rest]], mode: " + (p.delay_mode ? "delay, delay: " + Ms(p.delay) : "drop") + "}\n";
    y += "  - {at: " + Ms(p.at + p.length) + ", kind: heal}\n";
  }
  return y;
}

bool CaseFaults::ClipTo(std::uint32_t nodes) {
  bool ok = true;
  for (CasePartition& p : partitions) {
    if (p.side_groups.empty()) ok = ok && Clip(p.side, nodes) && p.side.size() < nodes;
  }
  for (CaseFault& f : faults) ok = ok && Clip(f.from, nodes) && Clip(f.to, nodes);
  return ok;
}

std::vector<CaseFaults> CaseFaults::WithoutOne() const {
  std::vector<CaseFaults> out;
  for (std::size_t i = 0; i < partitions.size(); ++i) {
    CaseFaults s = *this;
    s.partitions.erase(s.partitions.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back(std::move(s));
  }
  for (std::size_t i = 0; i < faults.size(); ++i) {
    CaseFaults s = *this;
    s.faults.erase(s.faults.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back(std::move(s));
  }
  return out;
}

CaseFaults DrawCaseFaults(Rng& rng, std::uint32_t nodes, const FaultRanges& r) {
  CaseFaults c;
  DurationNs cursor = 0;
  const auto partitions = rng.Below(3);  // 0 to 2
  for (std::uint64_t i = 0; i < partitions && cursor < r.by; ++i) {
    CasePartition p;
    p.at = Between(rng, cursor, r.by);
    p.length = Between(rng, r.min_partition, std::max(r.min_partition + kSecond, r.by - p.at));
    p.delay_mode = rng.Uniform() < 0.3;
    p.delay = p.delay_mode ? Between(rng, r.partition_delay_min, r.partition_delay_max) : 0;
    p.side = SomeNodes(rng, nodes, 0.5);
    cursor = p.at + p.length + kSecond;
    c.partitions.push_back(std::move(p));
  }
  const auto faults = rng.Below(3);
  for (std::uint64_t i = 0; i < faults; ++i) {
    CaseFault f;
    if (rng.Uniform() < 0.5) f.from = SomeNodes(rng, nodes, 0.5);
    if (rng.Uniform() < 0.5) f.to = SomeNodes(rng, nodes, 0.5);
    f.start = Between(rng, 0, r.by / 2);
    f.end = Between(rng, f.start + kSecond, std::max(f.start + 2 * kSecond, r.by));
    if (rng.Uniform() < 0.5) f.drop = rng.Uniform() * 0.3;
    if (rng.Uniform() < 0.5) f.duplicate = rng.Uniform() * 0.3;
    if (rng.Uniform() < 0.5) f.delay = Between(rng, 0, r.fault_delay_max);
    if (rng.Uniform() < 0.5 || (f.drop == 0 && f.duplicate == 0 && f.delay == 0)) {
      f.reorder = Between(rng, kMillisecond, r.fault_delay_max);
    }
    c.faults.push_back(std::move(f));
  }
  return c;
}

}  // namespace peerlab::explore
