#include "access_log.hpp"

#include "../routing/router.hpp"

#include <isapi/ecb/http_text.hpp>
#include <isapi/version.hpp>

#include <boost/asio/ip/host_name.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace isapi::host {
namespace {

struct FieldName {
    std::string_view w3c;  // as in #Fields
    std::string_view iis;  // as in logExtFileFlags
};

// Indexed by AccessField.
constexpr std::array<FieldName, kAccessFieldCount> kNames{{
    {"date", "Date"},
    {"time", "Time"},
    {"s-sitename", "SiteName"},
    {"s-computername", "ComputerName"},
    {"s-ip", "ServerIP"},
    {"cs-method", "Method"},
    {"cs-uri-stem", "UriStem"},
    {"cs-uri-query", "UriQuery"},
    {"s-port", "ServerPort"},
    {"cs-username", "UserName"},
    {"c-ip", "ClientIP"},
    {"cs-version", "ProtocolVersion"},
    {"cs(User-Agent)", "UserAgent"},
    {"cs(Cookie)", "Cookie"},
    {"cs(Referer)", "Referer"},
    {"cs-host", "Host"},
    {"sc-status", "HttpStatus"},
    {"sc-substatus", "HttpSubStatus"},
    {"sc-win32-status", "Win32Status"},
    {"sc-bytes", "BytesSent"},
    {"cs-bytes", "BytesRecv"},
    {"time-taken", "TimeTaken"},
}};

constexpr std::uint32_t kErrorFileNotFound = 2;     // ERROR_FILE_NOT_FOUND
constexpr std::uint32_t kErrorNetnameDeleted = 64;  // ERROR_NETNAME_DELETED

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// A W3C field is one space-free token: IIS writes a space as '+' (so do we,
// and any other blank or control character too: a line must stay one line),
// and an empty value as '-'.
void append_field(std::string& line, std::string_view value) {
    if (!line.empty()) line += ' ';
    if (value.empty()) {
        line += '-';
        return;
    }
    for (const char c : value) line += static_cast<unsigned char>(c) <= ' ' || c == '\x7f' ? '+' : c;
}

void append_number(std::string& line, std::uint64_t value) {
    if (!line.empty()) line += ' ';
    line += std::to_string(value);
}

// "2026-01-31 23:59:59": the W3C log's date and time in UTC, as IIS writes
// them whatever localTimeRollover says. The calendar from <chrono>, not
// gmtime_r (POSIX only): UTC needs no time zone database.
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

// ---- fields ------------------------------------------------------------------------

AccessFields AccessFields::iis_default() {
    AccessFields f;
    for (const AccessField field :
         {AccessField::date, AccessField::time, AccessField::client_ip, AccessField::username, AccessField::server_ip,
          AccessField::method, AccessField::uri_stem, AccessField::uri_query, AccessField::status,
          AccessField::win32_status, AccessField::time_taken, AccessField::server_port, AccessField::user_agent,
          AccessField::referer, AccessField::substatus})
        f.add(field);
    return f;
}

AccessFields AccessFields::parse(std::string_view list) {
    AccessFields out;
    while (true) {
        const auto comma = list.find(',');
        const std::string_view entry = trim(list.substr(0, comma));
        if (iequal(entry, "default")) {
            out.bits_ |= iis_default().bits_;
        } else if (!entry.empty()) {
            bool known = false;
            for (unsigned i = 0; i < kAccessFieldCount && !known; ++i)
                if (iequal(entry, kNames[i].iis) || iequal(entry, kNames[i].w3c)) {
                    out.add(static_cast<AccessField>(i));
                    known = true;
                }
            if (!known) {
                std::string names;
                for (const auto& n : kNames) names.append(names.empty() ? "" : ", ").append(n.iis);
                throw std::invalid_argument("'" + std::string(entry) +
                                            "' is not an IIS log field; use default, or IIS's logExtFileFlags "
                                            "names (" + names + ") or their W3C names (sc-bytes...)");
            }
        }
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    if (out.empty()) throw std::invalid_argument("names no field; 'default' is IIS's default set");
    return out;
}

std::string AccessFields::directive() const {
    std::string out;
    for (unsigned i = 0; i < kAccessFieldCount; ++i)
        if (has(static_cast<AccessField>(i))) out.append(out.empty() ? "" : " ").append(kNames[i].w3c);
    return out;
}

// ---- records -----------------------------------------------------------------------

std::uint32_t win32_status_for(const ecb::Outcome& outcome) {
    if (outcome.aborted) return kErrorNetnameDeleted;
    if (outcome.status == 404 && outcome.hse_status == 0) return kErrorFileNotFound;
    return 0;
}

void AccessRecord::complete(const ecb::Outcome& outcome, std::chrono::steady_clock::time_point started) {
    status = outcome.status;
    // ISAPI cannot set a substatus, and the host's own answers are the
    // plain ones (IIS's 404.0, 500.0, 503.0).
    substatus = 0;
    win32_status = win32_status_for(outcome);
    bytes_sent = outcome.bytes_sent;
    if (!outcome.log_parameters.empty()) uri_query += (uri_query.empty() ? "" : "&") + outcome.log_parameters;
    time_taken = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
}

// ---- the log -----------------------------------------------------------------------

AccessLog::AccessLog(AccessFields fields, LineSink sink) : fields_(fields), sink_(std::move(sink)) {
    if (fields_.has(AccessField::computer_name)) {
        boost::system::error_code ec;
        computer_name_ = boost::asio::ip::host_name(ec);
    }
}

AccessLog::AccessLog(const std::string& path, AccessFields fields)
    : AccessLog(fields, nullptr) {
    out_.open(path, std::ios::app | std::ios::binary);
    if (!out_) throw std::runtime_error("cannot open access log " + path);
    // IIS ends its lines with CRLF; so does this log, on every OS, so a log
    // reads the same wherever it was written.
    out_ << "#Software: isapi-harness " << version::kVersion << "\r\n#Version: 1.0\r\n#Date: " << utc_now()
         << "\r\n#Fields: " << fields_.directive() << "\r\n";
    out_.flush();
}

AccessRecord AccessLog::record_for(const ecb::Request& request) const {
    AccessRecord r;
    const auto want = [this](AccessField f) { return fields_.has(f); };
    if (want(AccessField::client_ip)) r.client_ip = request.remote_addr;
    if (want(AccessField::server_ip)) r.server_ip = request.local_addr;
    if (want(AccessField::server_port)) r.server_port = request.local_port;
    if (want(AccessField::method)) r.method = request.method;
    if (want(AccessField::username)) r.username = request.remote_user;
    if (want(AccessField::site_name)) r.site_name = "W3SVC" + request.instance_id;
    if (want(AccessField::protocol_version)) r.protocol = request.protocol;
    if (want(AccessField::user_agent)) r.user_agent = ecb::find_header(request, "User-Agent");
    if (want(AccessField::referer)) r.referer = ecb::find_header(request, "Referer");
    if (want(AccessField::cookie)) r.cookie = ecb::find_header(request, "Cookie");
    if (want(AccessField::host)) r.host = ecb::find_header(request, "Host");
    if (want(AccessField::uri_stem) || want(AccessField::uri_query)) {
        if (!request.url.empty()) {  // routed already: decoded and split
            r.uri_stem = request.url;
            r.uri_query = request.query_string;
        } else if (auto split = split_target(request.unencoded_url)) {
            r.uri_stem = std::move(split->path);
            r.uri_query = std::move(split->query);
        } else {  // refused (400): logged as received
            const std::string_view target = request.unencoded_url;
            const auto question = target.find('?');
            r.uri_stem = target.substr(0, question);
            if (question != std::string_view::npos) r.uri_query = target.substr(question + 1);
        }
    }
    if (want(AccessField::bytes_received)) {
        // The request line, the header block as parsed, the blank line and
        // the body (Content-Length; of a chunked body, what was preloaded).
        r.bytes_received = request.method.size() + 1 + request.unencoded_url.size() + 1 + request.protocol.size() + 2 +
                           request.all_raw.size() + 2 +
                           request.content_length.value_or(request.preloaded_body.size());
    }
    return r;
}

std::string AccessLog::line_for(const AccessRecord& r) const {
    std::string line;
    line.reserve(256);
    const std::string stamp = utc_now();
    for (unsigned i = 0; i < kAccessFieldCount; ++i) {
        const auto field = static_cast<AccessField>(i);
        if (!fields_.has(field)) continue;
        switch (field) {
            case AccessField::date: append_field(line, std::string_view(stamp).substr(0, 10)); break;
            case AccessField::time: append_field(line, std::string_view(stamp).substr(11)); break;
            case AccessField::site_name: append_field(line, r.site_name); break;
            case AccessField::computer_name: append_field(line, computer_name_); break;
            case AccessField::server_ip: append_field(line, r.server_ip); break;
            case AccessField::method: append_field(line, r.method); break;
            case AccessField::uri_stem: append_field(line, r.uri_stem); break;
            case AccessField::uri_query: append_field(line, r.uri_query); break;
            case AccessField::server_port: append_number(line, r.server_port); break;
            case AccessField::username: append_field(line, r.username); break;
            case AccessField::client_ip: append_field(line, r.client_ip); break;
            case AccessField::protocol_version: append_field(line, r.protocol); break;
            case AccessField::user_agent: append_field(line, r.user_agent); break;
            case AccessField::cookie: append_field(line, r.cookie); break;
            case AccessField::referer: append_field(line, r.referer); break;
            case AccessField::host: append_field(line, r.host); break;
            case AccessField::status: append_number(line, r.status); break;
            case AccessField::substatus: append_number(line, r.substatus); break;
            case AccessField::win32_status: append_number(line, r.win32_status); break;
            case AccessField::bytes_sent: append_number(line, r.bytes_sent); break;
            case AccessField::bytes_received: append_number(line, r.bytes_received); break;
            case AccessField::time_taken:
                append_number(line, static_cast<std::uint64_t>(std::max<std::int64_t>(r.time_taken.count(), 0)));
                break;
        }
    }
    line += "\r\n";
    return line;
}

void AccessLog::write(const AccessRecord& record) {
    if (sink_) return sink_(line_for(record));
    write_lines(line_for(record));
}

void AccessLog::write_lines(std::string_view lines) {
    std::unique_lock lock(mutex_);
    pending_ += lines;
    // One thread at a time writes, outside the lock, everything pending when
    // it looks: alone, a record is written at once; while a write is under
    // way, the records that come meanwhile go out together with the next.
    if (writing_) return;
    writing_ = true;
    std::string batch;
    while (!pending_.empty()) {
        batch.swap(pending_);
        lock.unlock();
        out_.write(batch.data(), static_cast<std::streamsize>(batch.size()));
        out_.flush();
        if (!out_) {
            if (!std::exchange(failed_, true)) spdlog::error("cannot write the access log: records are being lost");
            out_.clear();  // try again with the next record (the disk may have room again)
        }
        batch.clear();
        lock.lock();
    }
    writing_ = false;
    written_.notify_all();
}

void AccessLog::flush() {
    std::unique_lock lock(mutex_);
    written_.wait(lock, [this] { return !writing_; });  // the writer leaves nothing pending
}

}  // namespace isapi::host
