// The strategies' factories, one per file of this folder; registry.cpp maps kinds to them.
// Internal to families/bitcoin/src/strategies/.
#pragma once

#include <memory>

#include "peerlab/bitcoin/strategy_hooks.hpp"

namespace peerlab::bitcoin::strategies {

std::unique_ptr<StrategyHooks> MakeSelfishMining(const StrategyConfig& c);  // selfish_mining.cpp
std::unique_ptr<StrategyHooks> MakeDoubleSpend(const StrategyConfig& c);    // double_spend.cpp
std::unique_ptr<StrategyHooks> MakeCensor(const StrategyConfig& c);         // censor.cpp
std::unique_ptr<StrategyHooks> MakeBlackHole(const StrategyConfig& c);      // black_hole.cpp
std::unique_ptr<StrategyHooks> MakeEclipse(const StrategyConfig& c);        // eclipse.cpp
std::unique_ptr<StrategyHooks> MakeOptimalSelfish(const StrategyConfig& c);  // optimal_selfish.cpp

}  // namespace peerlab::bitcoin::strategies
