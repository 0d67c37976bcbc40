#include "peerlab/sim/regions.hpp"

namespace peerlab::sim {
namespace {

const std::vector<std::string> kSixRegions = {"north-america", "europe",    "south-america",
                                              "asia-pacific",  "japan",     "australia"};

RegionTable SimBlock2015() {
  RegionTable t;
  t.source = "simblock-2015";
  t.names = kSixRegions;
  t.node_share = {0.3869, 0.5159, 0.0113, 0.0574, 0.0119, 0.0166};
  t.latency_ms = {36,  119, 255, 310, 154, 208,  //
                  119, 12,  221, 242, 266, 350,  //
                  255, 221, 137, 347, 256, 269,  //
                  310, 242, 347, 99,  172, 278,  //
                  154, 266, 256, 172, 9,   163,  //
                  208, 350, 269, 278, 163, 22};
  t.download_bps = {25e6, 24e6, 6.5e6, 10e6, 17.5e6, 14e6};
  t.upload_bps = {4.7e6, 8.1e6, 1.8e6, 5.3e6, 3.4e6, 5.2e6};
  return t;
}

RegionTable SimBlock2019() {
  RegionTable t;
  t.source = "simblock-2019";
  t.names = kSixRegions;
  t.node_share = {0.3316, 0.4998, 0.0090, 0.1177, 0.0224, 0.0195};
  t.latency_ms = {32,  124, 184, 198, 151, 189,  //
                  124, 11,  227, 237, 252, 294,  //
                  184, 227, 88,  325, 301, 322,  //
                  198, 237, 325, 85,  58,  198,  //
                  151, 252, 301, 58,  12,  126,  //
                  189, 294, 322, 198, 126, 16};
  t.download_bps = {52e6, 40e6, 18e6, 22.8e6, 22.8e6, 29.9e6};
  t.upload_bps = {19.2e6, 20.7e6, 5.8e6, 15.7e6, 10.2e6, 11.3e6};
  return t;
}

}  // namespace

std::optional<RegionTable> BuiltinRegionTable(std::string_view name) {
  if (name == "simblock-2015") return SimBlock2015();
  if (name == "simblock-2019" || name == "bitcoin") {
    RegionTable t = SimBlock2019();
    return t;
  }
  return std::nullopt;
}

std::vector<std::string> BuiltinRegionTableNames() {
  return {"bitcoin", "simblock-2015", "simblock-2019"};
}

}  // namespace peerlab::sim
