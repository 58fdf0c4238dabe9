#pragma once
// What `race` sends: by default a mix of methods and body sizes, so that
// an extension's body paths are churned too (a body preloaded whole into
// lpbData, one read past the preload with ReadClient); or the user's own
// requests (a template or a replay file), aimed at each module's URL
// (client/aimed_requests.hpp).
#include <cstddef>
#include <string>
#include <vector>

#include "../client/request_template.hpp"

namespace isapi::loadgen {

// The default mix: bodiless GETs, small POST bodies (well inside the host's
// 48 KiB preload) and large ones (past it), in a fixed order.
std::vector<RequestSpec> race_default_requests();

}  // namespace isapi::loadgen
