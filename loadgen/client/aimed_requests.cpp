#include "aimed_requests.hpp"

#include <algorithm>
#include <cctype>

namespace isapi::loadgen {

std::string aimed_target(const std::string& target, const std::string& module_path) {
    const std::size_t query = std::min(target.find('?'), target.size());
    std::string path = target.substr(0, query);
    std::transform(path.begin(), path.end(), path.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // The first segment that ends in ".dll" names the extension.
    std::size_t kept = query;
    for (std::size_t at = path.find(".dll"); at != std::string::npos; at = path.find(".dll", at + 1))
        if (at + 4 == path.size() || path[at + 4] == '/') {
            kept = at + 4;
            break;
        }
    return module_path + target.substr(kept);
}

std::vector<RequestTemplate> aimed_templates(const std::vector<RequestSpec>& specs,
                                             const std::vector<std::string>& module_paths, const std::string& authority) {
    std::vector<RequestTemplate> templates;
    templates.reserve(specs.size() * module_paths.size());
    for (const auto& path : module_paths)
        for (RequestSpec spec : specs) {
            spec.target = aimed_target(spec.target, path);
            templates.push_back(serialize_request(spec, authority));
        }
    return templates;
}

}  // namespace isapi::loadgen
