// Internal to the runner: each strategy's keys under summary.json's `adversaries.<group>`, one
// file per strategy in this folder, and the registry (registry.cpp) that lists them by the
// scenario name families/bitcoin's strategy registry uses. run.cpp writes the shared `kind`
// key and dispatches here; docs/attacks.md lists every key.
#pragma once

#include <string_view>

#include "peerlab/bitcoin/sim/report.hpp"
#include "peerlab/results/json.hpp"
#include "peerlab/runner/run.hpp"  // WriteDistribution

namespace peerlab::runner::adversaries {

// Writes a strategy's keys after `kind`, in its documented order.
using Writer = void (*)(results::JsonWriter& w, const sim::GroupReport& group);

// The writer of the strategy answering to `kind` (a scenario `kind` value, variants
// included), or nullptr.
Writer FindWriter(std::string_view kind);

// Keys several strategies share, in this order when both appear: a mining group's share of
// the chain, then a withholding group's private blocks and rushing links.
void WriteMinerKeys(results::JsonWriter& w, const sim::GroupReport& group);
void WriteWithholdingKeys(results::JsonWriter& w, const sim::AdversaryReport& a);

// Per strategy file.
void WriteSelfishMining(results::JsonWriter& w, const sim::GroupReport& group);
void WriteDoubleSpend(results::JsonWriter& w, const sim::GroupReport& group);
void WriteCensor(results::JsonWriter& w, const sim::GroupReport& group);
void WriteBlackHole(results::JsonWriter& w, const sim::GroupReport& group);
void WriteEclipse(results::JsonWriter& w, const sim::GroupReport& group);

}  // namespace peerlab::runner::adversaries
