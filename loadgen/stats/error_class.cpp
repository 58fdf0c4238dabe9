#include "error_class.hpp"

namespace isapi::loadgen {
namespace {
constexpr std::array<std::string_view, kClassCount> kNames = {
    "ok",    "status_4xx", "status_5xx", "unexpected_status", "refused",
    "reset", "eof",        "timeout",    "keepalive_race",    "io_error",
    "tls"};
}

std::string_view class_name(ErrorClass c) noexcept {
    return kNames[static_cast<std::size_t>(c)];
}

std::optional<ErrorClass> class_from_name(std::string_view name) noexcept {
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == name) return static_cast<ErrorClass>(i);
    return std::nullopt;
}

const std::array<ErrorClass, kClassCount>& all_classes() noexcept {
    static const std::array<ErrorClass, kClassCount> all = [] {
        std::array<ErrorClass, kClassCount> a{};
        for (std::size_t i = 0; i < kClassCount; ++i) a[i] = static_cast<ErrorClass>(i);
        return a;
    }();
    return all;
}

}  // namespace isapi::loadgen

namespace isapi::loadgen {

ErrorClass classify_status(unsigned status, const std::vector<unsigned>& expected) noexcept {
    if (!expected.empty()) {
        for (unsigned s : expected)
            if (s == status) return ErrorClass::ok;
        return ErrorClass::unexpected_status;
    }
    if (status >= 500) return ErrorClass::status_5xx;
    if (status >= 400) return ErrorClass::status_4xx;
    return ErrorClass::ok;
}

}  // namespace isapi::loadgen
