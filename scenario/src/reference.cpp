// The markdown reference, generated from the same tables the parser uses.
#include <string>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"
#include "peerlab/sim/regions.hpp"

namespace peerlab::scenario {
namespace {

std::string Cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += "`" + s + "`";
  }
  return out;
}

constexpr std::string_view kIntro = R"(# Scenario file reference

<!-- Generated from the parser's field tables by peerlab::scenario::ScenarioReferenceMarkdown().
     Do not edit by hand; regenerate with `peerlab reference > docs/scenario-reference.md`. -->

A scenario is a YAML file (schema version 1) describing one simulation. Every mapping rejects
keys it does not know, so a typo is an error rather than a silently ignored setting.

## Example

```yaml
version: 1
name: example
seed: 7
stop: { blocks: 20 }
network:
  nodes: 200
  regions: bitcoin
  topology: { kind: bitcoin, outbound: 8 }
protocol:
  block_interval: 600 s
  block_size: 1 MB
  relay: headers
groups:
  pools: { nodes: 20, hashrate: 100 % }
  others: { nodes: rest, hashrate: 0 }
outputs: [summary, blocks]
```

## Errors

Every problem is reported as one line, `FILE:LINE:COL: field.path: message`, e.g.
`x.yaml:9:19: protocol.block_interval: unknown duration unit ...`. Errors caused by an
override are reported as `--set KEY=VALUE: field.path: message`. A problem inside an edge-list
file is located in that file: `edges.txt:3:5: network.topology.file: node index ...`.

The scenario file must be a regular file of at most 8 MiB (a FIFO, a device or a directory is
refused before anything is read), UTF-8 text without NUL bytes or control characters other
than tab and line breaks, at most 64 levels deep and at most 250,000 YAML nodes (counting what
aliases expand to). An edge-list file must be a regular file of at most 256 MiB with at least
one connection. `peerlab check` reads the edge-list file too. See docs/limits.md.

## Overrides

`peerlab run x.yaml --set network.nodes=500 --set stop.time="2 h"` changes keys before the
scenario is checked. KEY is a dotted path (`groups.pools.hashrate`); VALUE is read as YAML, so
lists (`outputs=[summary]`) and mappings (`network.topology={kind: random-regular}`) work.
Keys absent from the file may be set if the schema knows them. An item of a list in the file
is addressed by its 0-based index (`events[0].at=3 h`, `events[0].sides[1][0]={region: europe}`);
the item must exist (to add items, set the whole list).

)";

}  // namespace

std::string ScenarioReferenceMarkdown() {
  std::string md(kIntro);
  md += "## Units\n\n";
  md += "Durations, sizes and bandwidths need a unit; a bare number is an error. Decimals are\n";
  md += "allowed (`1.5 s`), the space is optional (`50ms`), negative values are rejected.\n\n";
  md += "| Quantity | Units |\n| --- | --- |\n";
  md += "| duration | " + Join(DurationUnits()) + " |\n";
  md += "| size | " + Join(SizeUnits()) + " (KB = 1000 B, KiB = 1024 B) |\n";
  md += "| bandwidth | " + Join(BandwidthUnits()) + " (bits per second) |\n";
  md += "| share (hashrate) | a number in [0, 1], or a percentage such as `30 %` |\n\n";
  md += "Limits (docs/limits.md), so that no accepted scenario can overflow simulated time or\n";
  md += "stall it: a point in time (`stop.time`, `events[<i>].at`, `topology_snapshots`,\n";
  md += "`restart_at`) is at most 29200 d (80 years), and every run ends by then; any other\n";
  md += "duration is at most 365 d; periodic timers (pings, feelers, an attacker's connections and\n";
  md += "addr floods, churn sessions and downtimes) are at least 1 s; bandwidths are at least\n";
  md += "1 bit/s. Rates (transactions, link failures) have no lower bound: a tiny one means\n";
  md += "events after the run's end.\n\n";
  md += "Built-in region tables: " + Join(sim::BuiltinRegionTableNames()) + ".\n";

  for (const detail::Table* table : detail::AllTables()) {
    md += "\n## `" + std::string(table->path.empty() ? "(top level)" : table->path) + "`\n\n";
    md += std::string(table->doc) + "\n\n";
    md += "| Key | Type | Default | Description |\n| --- | --- | --- | --- |\n";
    for (const detail::Field& f : table->fields) {
      std::string def = f.required               ? "**required**"
                        : f.default_yaml.empty() ? "optional"
                                                 : "`" + std::string(f.default_yaml) + "`";
      std::string doc(f.doc);
      if (!f.only_kind.empty()) {
        std::string kinds(f.only_kind);
        for (std::size_t bar; (bar = kinds.find('|')) != std::string::npos;) {
          kinds.replace(bar, 1, "`, `");
        }
        doc = "(kind `" + kinds + "`) " + doc;
      }
      md += "| `" + std::string(f.name) + "` | " + Cell(f.type) + " | " + Cell(def) + " | " +
            Cell(doc) + " |\n";
    }
  }
  return md;
}

}  // namespace peerlab::scenario
