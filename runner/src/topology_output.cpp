// Topology files of a run directory: edges.csv and nodes.csv (always), GraphML (on request),
// and the same for each snapshot time. Formats are a contract with `peerlab analyze` and with
// users' scripts (docs/design.md §6).
#include <cstdio>
#include <string>

#include "peerlab/results/tables.hpp"
#include "peerlab/runner/run.hpp"
#include "peerlab/util/markup.hpp"

namespace peerlab::runner {
namespace {

// The Bitcoin names of the engine's connections: dedicated pipes are rushing links,
// connection class 1 is block-relay-only.
std::string_view TypeName(const sim::EdgeRow& e) {
  if (e.dedicated) return results::EdgeRow::kRushing;
  return e.connection_class == sim::kBlockRelayOnlyClass ? results::EdgeRow::kBlockRelayOnly
                                                         : results::EdgeRow::kFullRelay;
}

std::string FormatShare(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

}  // namespace

std::string EdgesCsv(const std::vector<sim::EdgeRow>& edges) {
  results::Table<results::EdgeRow> table;
  for (const auto& e : edges) table.Add({e.source, e.target, TypeName(e)});
  return table.text();
}

std::string NodesCsv(const Scenario& scenario, const sim::SimReport& r) {
  results::Table<results::NodeRow> table;
  for (std::uint32_t i = 0; i < r.node_rows.size(); ++i) {
    const sim::NodeRow& n = r.node_rows[i];
    table.Add({.node = i,
               .region = scenario.sim.regions.names[n.region],
               .as = n.as,
               .group = scenario.sim.groups[n.group].name,
               .hashrate = n.hashrate,
               .online = n.online});
  }
  return table.text();
}

std::string GraphMl(const Scenario& scenario, const sim::SimReport& r,
                    const std::vector<sim::EdgeRow>& edges) {
  std::string x =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
      "  <key id=\"region\" for=\"node\" attr.name=\"region\" attr.type=\"string\"/>\n"
      "  <key id=\"as\" for=\"node\" attr.name=\"as\" attr.type=\"int\"/>\n"
      "  <key id=\"group\" for=\"node\" attr.name=\"group\" attr.type=\"string\"/>\n"
      "  <key id=\"hashrate\" for=\"node\" attr.name=\"hashrate\" attr.type=\"double\"/>\n"
      "  <key id=\"online\" for=\"node\" attr.name=\"online\" attr.type=\"boolean\"/>\n"
      "  <key id=\"type\" for=\"edge\" attr.name=\"type\" attr.type=\"string\"/>\n"
      "  <graph id=\"peerlab\" edgedefault=\"directed\">\n";
  for (std::uint32_t i = 0; i < r.node_rows.size(); ++i) {
    const sim::NodeRow& n = r.node_rows[i];
    x += "    <node id=\"n" + std::to_string(i) + "\"><data key=\"region\">" +
         EscapeMarkup(scenario.sim.regions.names[n.region]) + "</data><data key=\"as\">" +
         std::to_string(n.as) + "</data><data key=\"group\">" +
         EscapeMarkup(scenario.sim.groups[n.group].name) + "</data><data key=\"hashrate\">" +
         FormatShare(n.hashrate) + "</data><data key=\"online\">" +
         (n.online ? "true" : "false") + "</data></node>\n";
  }
  for (const auto& e : edges) {
    x += "    <edge source=\"n" + std::to_string(e.source) + "\" target=\"n" +
         std::to_string(e.target) + "\"><data key=\"type\">" + std::string(TypeName(e)) +
         "</data></edge>\n";
  }
  x += "  </graph>\n</graphml>\n";
  return x;
}

std::string SnapshotName(TimeNs at, const char* stem, const char* extension) {
  // Whole seconds when the time is one (the usual case), else nanoseconds.
  const std::string when = at % kSecond == 0 ? std::to_string(at / kSecond) + "s"
                                             : std::to_string(at) + "ns";
  return std::string(stem) + "_at_" + when + extension;
}

}  // namespace peerlab::runner
