#pragma once
// What `race` sends: by default a mix of methods and body sizes, so that
// an extension's body paths are churned too (a body preloaded whole into
// lpbData, one read past the preload with ReadClient); or the user's own
// requests (a template or a replay file), aimed at each module's URL.
#include <cstddef>
#include <string>
#include <vector>

#include "../client/request_template.hpp"

namespace isapi::loadgen {

// The default mix: bodiless GETs, small POST bodies (well inside the host's
// 48 KiB preload) and large ones (past it), in a fixed order.
std::vector<RequestSpec> race_default_requests();

// `target` aimed at `module_path` ("/race0.dll"): what follows the original
// extension's name (a path segment ending in ".dll", its PATH_INFO) and the
// query are kept, the rest is replaced.
std::string race_target(const std::string& target, const std::string& module_path);

// Every request for every module: module i's requests are the templates
// [i * specs.size(), (i + 1) * specs.size()).
std::vector<RequestTemplate> race_templates(const std::vector<RequestSpec>& specs,
                                            const std::vector<std::string>& module_paths,
                                            const std::string& authority);

}  // namespace isapi::loadgen
