// Text for XML and HTML documents (topology.graphml, report.html).
#pragma once

#include <string>
#include <string_view>

namespace peerlab {

// `text` with &, <, > and " replaced by their entities: safe as element text and as a
// double-quoted attribute value in XML and HTML.
std::string EscapeMarkup(std::string_view text);

}  // namespace peerlab
