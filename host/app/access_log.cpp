#include "access_log.hpp"

#include <ctime>
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

std::string utc_now(const char* format) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, format, &utc);
    return text;
}

}  // namespace

AccessLog::AccessLog(const std::string& path) : out_(path, std::ios::app) {
    if (!out_) throw std::runtime_error("cannot open access log " + path);
    out_ << "#Software: isapi-harness 0.1\n#Version: 1.0\n#Date: " << utc_now("%Y-%m-%d %H:%M:%S")
         << "\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
            "sc-status sc-bytes time-taken\n";
    out_.flush();
}

void AccessLog::write(const AccessRecord& r) {
    const std::string stamp = utc_now("%Y-%m-%d %H:%M:%S");
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
