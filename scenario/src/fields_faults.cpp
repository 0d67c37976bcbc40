// Message faults (`network.faults`): drops, duplicates, extra delay and reordering of the
// family's messages, per group of senders and receivers, for a stretch of time. Model:
// docs/network-model.md, "Message faults"; engine side: sim/message_faults.hpp.
#include <string>

#include "peerlab/scenario/schema.hpp"
#include "peerlab/scenario/units.hpp"

namespace peerlab::scenario::detail {
namespace {

using Kind = Node::Kind;
using Selector = sim::SideSelector;

sim::MessageFaultSpec& CurrentFault(Ctx& c) { return c.out->sim.faults.back(); }

std::string Index(std::size_t i) { return "[" + std::to_string(i) + "]"; }

// A list of selectors naming nodes (those of a partition side, without `hashrate` or `rest`).
// `network` is parsed before `groups`: group names are resolved by ValidateMessageFaults.
bool ParseNodeSelectors(const Node& n, const std::string& p, Ctx& c, bool receivers,
                        Json& j) {
  sim::MessageFaultSpec& fault = CurrentFault(c);
  std::vector<Selector>* out = receivers ? &fault.to : &fault.from;
  if (n.kind != Kind::kSequence || n.items.empty()) {
    return c.Fail(n.origin, p,
                  "expected a non-empty list of selectors like `[group: attacker]`, got " +
                      (n.kind == Kind::kSequence ? "an empty list" : Describe(n)));
  }
  j = Json::array();
  for (std::size_t k = 0; k < n.items.size(); ++k) {
    const Node& item = n.items[k];
    const std::string path = p + Index(k);
    c.origins[path] = item.origin;
    if (item.kind != Kind::kMapping || item.entries.size() != 1) {
      return c.Fail(item.origin, path,
                    "expected a selector with one key (region, group, nodes or as), like "
                    "`{group: attacker}`, got " +
                        Describe(item));
    }
    if (item.entries[0].key == "hashrate") {
      return c.Fail(item.origin, path,
                    "a message fault names nodes by region, group, nodes or as (not hashrate)");
    }
    out->emplace_back();
    Json selector_json;
    if (item.entries[0].key == "group") {
      const Node& value = item.entries[0].value;
      std::string name;
      if (!ReadString(value, path + ".group", c, &name)) return false;
      c.origins[path + ".group"] = value.origin;
      out->back().kind = Selector::Kind::kGroup;
      c.pending_groups.push_back({c.out->sim.faults.size() - 1, receivers, k, name, path + ".group"});
      selector_json = Json::object({{"group", name}});
    } else {
      c.selector = &out->back();
      if (!ParseMapping(item, path, SideSelectorTable(), c, selector_json)) return false;
    }
    j.push_back(std::move(selector_json));
  }
  return true;
}

bool ReadShare(const Node& n, const std::string& p, Ctx& c, double* out, Json& j) {
  if (!ReadHashrate(n, p, c, out)) return false;
  j = *out;
  return true;
}

bool ReadSpan(const Node& n, const std::string& p, Ctx& c, DurationNs* out, Json& j,
              DurationNs max = kMaxSpan) {
  if (!ReadDuration(n, p, c, out, max)) return false;
  j = FormatDuration(*out);
  return true;
}

}  // namespace

const Table& MessageFaultTable() {
  static const Table t{
      "network.faults[<i>]",
      "One message fault: it acts on the protocol family's messages that leave a sender it "
      "names for a receiver it names between `start` and `end` (when the message's last byte "
      "leaves the sender). Every fault that matches a message acts, in list order: a drop by "
      "any loses it, their delays add up, a duplicate by any delivers it twice. Each draw is "
      "seeded by the scenario's seed, the sender and the message, so results do not depend on "
      "threads. Connection set-up and close, and a strategy's dedicated links (rushing), are "
      "not affected; the ns-3 backend refuses faults. Set at least one of `drop`, "
      "`duplicate`, `delay`, `reorder`. Counts appear in summary.json under "
      "`network_faults`.",
      {
          {"from", "list of selectors", false, "", "",
           "Senders: selectors as in `events[<i>].sides[<s>][<k>]` (`region`, `group`, "
           "`nodes`, `as`; a node any of them names). Default: every node.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseNodeSelectors(n, p, c, false, j);
           }},
          {"to", "list of selectors", false, "", "",
           "Receivers, the same way. Default: every node. A fault on one link in one direction "
           "is `from: [nodes: [3]]`, `to: [nodes: [7]]`.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ParseNodeSelectors(n, p, c, true, j);
           }},
          {"start", "duration in [0, 29200 d]", false, "0 s", "",
           "From when, since the run's start.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadSpan(n, p, c, &CurrentFault(c).start, j, kTimeLimit);
           }},
          {"end", "duration in (start, 29200 d]", false, "", "",
           "Until when (exclusive). Default: the end of the run.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             sim::MessageFaultSpec& f = CurrentFault(c);
             if (!ReadSpan(n, p, c, &f.end, j, kTimeLimit)) return false;
             if (f.end <= f.start) {
               return c.Fail(n.origin, p,
                             "must be after start (" + Quote(FormatDuration(f.start)) +
                                 "), got " + Quote(n.scalar));
             }
             return true;
           }},
          {"drop", "share in [0, 1] or percentage", false, "0", "",
           "Share of messages lost, after they crossed the sender's uplink and the receiver's "
           "downlink (the connection stays up: TCP would not lose them, so this models a "
           "faulty or hostile path).",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadShare(n, p, c, &CurrentFault(c).drop, j);
           }},
          {"duplicate", "share in [0, 1] or percentage", false, "0", "",
           "Share of messages delivered twice; the copy arrives with the original plus its own "
           "`delay` and `reorder` draw.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadShare(n, p, c, &CurrentFault(c).duplicate, j);
           }},
          {"delay", "duration in [0, 365 d]", false, "0 s", "",
           "Extra one-way latency of every message the fault matches.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadSpan(n, p, c, &CurrentFault(c).delay, j);
           }},
          {"reorder", "duration in [0, 365 d]", false, "0 s", "",
           "Plus a uniform extra latency in [0, reorder) drawn per message, so messages on one "
           "connection may overtake each other by up to this much.",
           [](const Node& n, const std::string& p, Ctx& c, Json& j) {
             return ReadSpan(n, p, c, &CurrentFault(c).reorder, j);
           }},
      }};
  return t;
}

bool ParseMessageFaults(const Node& n, const std::string& p, Ctx& c, Json& j) {
  if (n.kind != Kind::kSequence) {
    return c.Fail(n.origin, p,
                  "expected a list of faults like `[{from: [group: attacker], drop: 5 %}]`, "
                  "got " +
                      Describe(n));
  }
  auto& faults = c.out->sim.faults;
  faults.clear();
  j = Json::array();
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    const std::string path = p + Index(i);
    faults.emplace_back();
    Json fault_json;
    if (!ParseMapping(n.items[i], path, MessageFaultTable(), c, fault_json)) return false;
    const sim::MessageFaultSpec& f = faults.back();
    if (f.drop == 0 && f.duplicate == 0 && f.delay == 0 && f.reorder == 0) {
      return c.Fail(n.items[i].origin, path,
                    "does nothing: set at least one of drop, duplicate, delay, reorder");
    }
    j.push_back(std::move(fault_json));
  }
  return true;
}

bool ValidateMessageFaults(Ctx& c) {
  if (!c.out->sim.faults.empty() && c.out->sim.backend == sim::Backend::kNs3) {
    return c.Fail(c.OriginOf("network.faults"), "network.faults",
                  "not supported by network.backend ns3 (its TCP carries the messages)");
  }
  const auto& groups = c.out->sim.groups;
  for (const Ctx::PendingGroup& pending : c.pending_groups) {
    sim::MessageFaultSpec& f = c.out->sim.faults[pending.fault];
    Selector& sel = (pending.receivers ? f.to : f.from)[pending.selector];
    std::string names;
    bool found = false;
    for (std::uint32_t g = 0; g < groups.size() && !found; ++g) {
      names += (g == 0 ? "" : ", ") + groups[g].name;
      if (groups[g].name == pending.name) {
        sel.index = g;
        found = true;
      }
    }
    if (!found) {
      return c.Fail(c.OriginOf(pending.path), pending.path,
                    "unknown group " + Quote(pending.name) + " (expected one of: " + names + ")");
    }
  }
  return true;
}

}  // namespace peerlab::scenario::detail
