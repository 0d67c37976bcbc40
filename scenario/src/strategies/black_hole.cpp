// Black holes (nodes that drop or delay what they should relay): the scenario keys.
#include "peerlab/scenario/units.hpp"
#include "strategies.hpp"

namespace peerlab::scenario::detail::strategies {
namespace {

bool ReadRelayAction(const Node& n, const std::string& p, Ctx& c, bool allow_delay,
                     bitcoin::RelayAction* out, Json& j) {
  std::string v;
  const std::vector<std::string_view> with_delay = {"relay", "drop", "delay"};
  const std::vector<std::string_view> without = {"relay", "drop"};
  if (!ReadChoice(n, p, c, allow_delay ? with_delay : without, &v)) return false;
  *out = v == "drop"    ? bitcoin::RelayAction::kDrop
         : v == "delay" ? bitcoin::RelayAction::kDelay
                        : bitcoin::RelayAction::kRelay;
  j = v;
  return true;
}

}  // namespace

void ConfigureBlackHole(std::string_view, bitcoin::StrategyConfig& s) {
  s.kind = bitcoin::StrategyKind::kBlackHole;
}

const std::vector<Field>& BlackHoleFields() {
  static const std::vector<Field> f{
      {"blocks", "`relay`, `drop` or `delay`", false, "drop", "black-hole",
       "What the group's nodes do with blocks they receive: announce them, never announce "
       "them, or announce them `delay` late. Their own blocks go out at once.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadRelayAction(n, p, c, true, &c.group->strategy.blocks, j);
       }},
      {"txs", "`relay` or `drop`", false, "drop", "black-hole",
       "What the group's nodes do with transactions they receive.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         return ReadRelayAction(n, p, c, false, &c.group->strategy.txs, j);
       }},
      {"delay", "duration in (0, 365 d]", false, "30 s", "black-hole",
       "How late `blocks: delay` announces.",
       [](const Node& n, const std::string& p, Ctx& c, Json& j) {
         DurationNs v = 0;
         if (!ReadDuration(n, p, c, &v)) return false;
         if (v <= 0) return c.Fail(n.origin, p, "must be positive, got " + Quote(n.scalar));
         c.group->strategy.block_delay = v;
         j = FormatDuration(v);
         return true;
       }},
  };
  return f;
}

// Any number of nodes, mining or not: nothing to check across fields.
bool ValidateBlackHole(Ctx&, sim::GroupSpec&) { return true; }

}  // namespace peerlab::scenario::detail::strategies
