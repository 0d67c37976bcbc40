// `peerlab explore FAMILY [options]` (explore_cmd.cpp; explore/explore.hpp).
#pragma once

namespace peerlab::apps {

int ExploreMain(int argc, char** argv);

}  // namespace peerlab::apps
