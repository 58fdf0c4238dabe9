#include "access_log.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace isapi::host {
namespace {

// W3C fields are space-separated: spaces inside a value become '+', and an
// empty value is '-'.
std::string field(const std::string& value) {
    if (value.empty()) return "-";
    std::string out = value;
    for (char& c : out)
        if (c == ' ') c = '+';
    return out;
}

// "2026-01-31 23:59:59", the W3C log's date and time in UTC. The calendar
// from <chrono>, not gmtime_r (POSIX only): UTC needs no time zone database.
std::string utc_now() {
    using namespace std::chrono;
    const auto now = floor<seconds>(system_clock::now());
    const sys_days day = floor<days>(now);
    const year_month_day date{day};
    const hh_mm_ss clock{now - day};
    char text[48];  // room for any int the format could see
    std::snprintf(text, sizeof text, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    return text;
}

}  // namespace

AccessLog::AccessLog(const std::string& path) : out_(path, std::ios::app) {
    if (!out_) throw std::runtime_error("cannot open access log " + path);
    out_ << "#Software: isapi-harness 0.1\n#Version: 1.0\n#Date: " << utc_now()
         << "\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
            "sc-status sc-bytes time-taken\n";
    out_.flush();
}

void AccessLog::write(const AccessRecord& r) {
    const std::string stamp = utc_now();
    std::lock_guard lock(mutex_);
    out_ << stamp << ' ' << field(r.server_ip) << ' ' << field(r.method) << ' ' << field(r.uri_stem) << ' '
         << field(r.uri_query) << ' ' << r.server_port << ' ' << field(r.username) << ' ' << field(r.client_ip) << ' '
         << field(r.user_agent) << ' ' << r.status << ' ' << r.bytes_sent << ' ' << r.time_taken.count() << '\n';
}

void AccessLog::flush() {
    std::lock_guard lock(mutex_);
    out_.flush();
}

}  // namespace isapi::host
