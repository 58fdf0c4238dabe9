#include "race_requests.hpp"


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

}  // namespace

std::vector<RequestSpec> race_default_requests() {
    RequestSpec get;
    RequestSpec get_query;
    get_query.target = "/?race=1";
    // Half GETs; small bodies (100 B, 2 KiB) and large ones (64 KiB, 160 KiB,
    // past the 48 KiB preload) share the other half.
    return {get, post(100), get_query, post(2 * 1024), get, post(64 * 1024), get_query, post(160 * 1024)};
}

}  // namespace isapi::loadgen
