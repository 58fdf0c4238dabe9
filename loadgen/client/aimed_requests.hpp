#pragma once
// Requests aimed at a module's URL: `race` and `swap` map each module at a
// URL of their own, so a replayed or templated request keeps what follows
// its original extension's name (PATH_INFO) and its query, and takes the
// module's path in place of the rest.
#include <string>
#include <vector>

#include "request_template.hpp"

namespace isapi::loadgen {

// `target` aimed at `module_path` ("/race0.dll"): what follows the first
// path segment ending in ".dll", and the query, are kept.
std::string aimed_target(const std::string& target, const std::string& module_path);

// Every request for every module: module i's requests are the templates
// [i * specs.size(), (i + 1) * specs.size()).
std::vector<RequestTemplate> aimed_templates(const std::vector<RequestSpec>& specs,
                                             const std::vector<std::string>& module_paths, const std::string& authority);

}  // namespace isapi::loadgen
