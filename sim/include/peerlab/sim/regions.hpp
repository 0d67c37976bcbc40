// Built-in region tables from published measurements (see docs/network-model.md for sources).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "peerlab/sim/network_spec.hpp"

namespace peerlab::sim {

// "simblock-2015", "simblock-2019" (alias "bitcoin"): SimBlock's six-region tables
// (dsg-titech/simblock NetworkConfiguration.java, from Gervais et al. 2016 and Miller et al.
// 2015 measurements); node shares are Bitcoin's of the same year.
std::optional<RegionTable> BuiltinRegionTable(std::string_view name);
std::vector<std::string> BuiltinRegionTableNames();

}  // namespace peerlab::sim
