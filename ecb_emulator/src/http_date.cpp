#include "http_date.hpp"

#include <cstdio>
#include <ctime>

namespace isapi::ecb::detail {

namespace {

// Formatted by hand: strftime's %a and %b follow the process locale, and HTTP
// dates must be in English whatever the host's locale is.
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct DateCache {
    std::time_t second = -1;
    char text[32] = {};
    int length = 0;
};

thread_local DateCache cache;

}  // namespace

std::string_view http_date_now() {
    const std::time_t now = std::time(nullptr);
    if (now != cache.second) {
        std::tm tm{};
        gmtime_r(&now, &tm);
        cache.length = std::snprintf(cache.text, sizeof cache.text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                     kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12],
                                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cache.second = now;
    }
    return {cache.text, static_cast<std::size_t>(cache.length)};
}

}  // namespace isapi::ecb::detail
