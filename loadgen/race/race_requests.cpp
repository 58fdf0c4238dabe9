#include "race_requests.hpp"

#include <algorithm>
#include <cctype>

namespace isapi::loadgen {
namespace {

// A form body of `size` bytes ("k0=vvvv&k1=vvvv..."), so extensions that
// parse fields find some.
std::string form_body(std::size_t size) {
    std::string body;
    body.reserve(size);
    for (std::size_t field = 0; body.size() < size; ++field) {
        if (field > 0) body += '&';
        body += 'k' + std::to_string(field) + '=' + std::string(24, 'v');
    }
    body.resize(size);
    return body;
}

RequestSpec post(std::size_t size) {
    RequestSpec spec;
    spec.method = "POST";
    spec.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    spec.body = form_body(size);
    return spec;
}

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

}  // namespace

std::vector<RequestSpec> race_default_requests() {
    RequestSpec get;
    RequestSpec get_query;
    get_query.target = "/?race=1";
    // Half GETs; small bodies (100 B, 2 KiB) and large ones (64 KiB, 160 KiB,
    // past the 48 KiB preload) share the other half.
    return {get, post(100), get_query, post(2 * 1024), get, post(64 * 1024), get_query, post(160 * 1024)};
}

std::string race_target(const std::string& target, const std::string& module_path) {
    const std::size_t query = std::min(target.find('?'), target.size());
    const std::string path = lowercase(target.substr(0, query));
    // The first segment that ends in ".dll" names the extension.
    std::size_t kept = query;
    for (std::size_t at = path.find(".dll"); at != std::string::npos; at = path.find(".dll", at + 1))
        if (at + 4 == path.size() || path[at + 4] == '/') {
            kept = at + 4;
            break;
        }
    return module_path + target.substr(kept);
}

std::vector<RequestTemplate> race_templates(const std::vector<RequestSpec>& specs,
                                            const std::vector<std::string>& module_paths,
                                            const std::string& authority) {
    std::vector<RequestTemplate> templates;
    templates.reserve(specs.size() * module_paths.size());
    for (const auto& path : module_paths)
        for (RequestSpec spec : specs) {
            spec.target = race_target(spec.target, path);
            templates.push_back(serialize_request(spec, authority));
        }
    return templates;
}

}  // namespace isapi::loadgen
