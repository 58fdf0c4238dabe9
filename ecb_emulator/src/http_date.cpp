#include "http_date.hpp"

#include <chrono>
#include <cstdio>

namespace isapi::ecb::detail {

namespace {

// Formatted by hand: strftime's %a and %b follow the process locale, and HTTP
// dates must be in English whatever the host's locale is.
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct DateCache {
    std::chrono::sys_seconds second{std::chrono::seconds{-1}};
    char text[32] = {};
    int length = 0;
};

thread_local DateCache cache;

}  // namespace

std::string_view http_date_now() {
    using namespace std::chrono;
    const auto now = floor<seconds>(system_clock::now());
    if (now != cache.second) {
        // The calendar from <chrono>, not gmtime_r: that one is POSIX only,
        // and UTC needs no time zone database.
        const sys_days day = floor<days>(now);
        const year_month_day date{day};
        const hh_mm_ss time{now - day};
        cache.length = std::snprintf(cache.text, sizeof cache.text, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                                     kDays[weekday{day}.c_encoding()], static_cast<unsigned>(date.day()),
                                     kMonths[static_cast<unsigned>(date.month()) - 1], static_cast<int>(date.year()),
                                     static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                                     static_cast<int>(time.seconds().count()));
        cache.second = now;
    }
    return {cache.text, static_cast<std::size_t>(cache.length)};
}

}  // namespace isapi::ecb::detail
