#pragma once
// IIS's W3C extended access log: the #Software, #Version, #Date and #Fields
// directives, then one line per request, each written to the file as soon as
// its request ends. The fields, their names, IIS's default set and the order
// they are written in are IIS's (Microsoft Learn: "Log Files for a Web Site
// <logFile>", the logExtFileFlags attribute, and the HTTP Server API's "W3C
// Logging" table for the order), so what reads IIS logs reads this one:
// goaccess --log-format=W3C, Log Parser, isapi-loadgen replay.
#include <isapi/ecb/dispatch.hpp>
#include <isapi/ecb/request.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace isapi::host {

// IIS's W3C fields, in the order IIS writes them on a line.
enum class AccessField : unsigned {
    date,              // date            Date
    time,              // time            Time
    site_name,         // s-sitename      SiteName
    computer_name,     // s-computername  ComputerName
    server_ip,         // s-ip            ServerIP
    method,            // cs-method       Method
    uri_stem,          // cs-uri-stem     UriStem
    uri_query,         // cs-uri-query    UriQuery
    server_port,       // s-port          ServerPort
    username,          // cs-username     UserName
    client_ip,         // c-ip            ClientIP
    protocol_version,  // cs-version      ProtocolVersion
    user_agent,        // cs(User-Agent)  UserAgent
    cookie,            // cs(Cookie)      Cookie
    referer,           // cs(Referer)     Referer
    host,              // cs-host         Host
    status,            // sc-status       HttpStatus
    substatus,         // sc-substatus    HttpSubStatus
    win32_status,      // sc-win32-status Win32Status
    bytes_sent,        // sc-bytes        BytesSent
    bytes_received,    // cs-bytes        BytesRecv
    time_taken,        // time-taken      TimeTaken
};
inline constexpr unsigned kAccessFieldCount = static_cast<unsigned>(AccessField::time_taken) + 1;

// The fields a log writes. Whatever order they are chosen in, they are
// written in IIS's order (AccessField's), as IIS does.
class AccessFields {
public:
    // IIS's default logExtFileFlags since IIS 8.0: Date, Time, ClientIP,
    // UserName, ServerIP, Method, UriStem, UriQuery, HttpStatus, Win32Status,
    // TimeTaken, ServerPort, UserAgent, Referer, HttpSubStatus.
    static AccessFields iis_default();
    // A comma-separated list of IIS's logExtFileFlags names ("BytesSent",
    // any case) or W3C field names ("sc-bytes"); "default" stands for
    // iis_default(), so "default,BytesSent" adds sc-bytes to it. Throws
    // std::invalid_argument naming the unknown entry and the known names.
    static AccessFields parse(std::string_view list);

    bool has(AccessField field) const { return (bits_ >> static_cast<unsigned>(field)) & 1u; }
    void add(AccessField field) { bits_ |= 1u << static_cast<unsigned>(field); }
    bool empty() const { return bits_ == 0; }
    // What follows "#Fields: ", e.g. "date time s-ip ...".
    std::string directive() const;

    friend bool operator==(const AccessFields&, const AccessFields&) = default;

private:
    std::uint32_t bits_ = 0;
};

// One line of the log: the request's side is filled when the request
// arrives (AccessLog::record_for), the response's when it ends (complete).
struct AccessRecord {
    std::string client_ip, server_ip, method, uri_stem, uri_query, username, user_agent, referer, cookie, host,
        protocol, site_name;
    std::uint16_t server_port = 0;
    std::uint64_t bytes_received = 0;
    unsigned status = 0;
    unsigned substatus = 0;
    std::uint32_t win32_status = 0;
    std::uint64_t bytes_sent = 0;
    std::chrono::milliseconds time_taken{0};

    // How the request ended: its status and bytes, IIS's sc-substatus and
    // sc-win32-status for that ending (see win32_status_for), the
    // extension's HSE_APPEND_LOG_PARAMETER text after the query, and the
    // time since `started`.
    void complete(const ecb::Outcome& outcome, std::chrono::steady_clock::time_point started);
};

// sc-win32-status as IIS logs it for a request that ended with `outcome`:
// 64 (ERROR_NETNAME_DELETED) when the connection closed before the whole
// response went out; 2 (ERROR_FILE_NOT_FOUND) for the host's own 404, given
// before any extension ran (hse_status 0: nothing is mapped at the URL, or
// the module file it names is missing), as IIS logs a missing file or
// script; 0 otherwise, an extension's own 404 included.
std::uint32_t win32_status_for(const ecb::Outcome& outcome);

class AccessLog {
public:
    // Opens (appends to) `path` and writes the W3C directives. Throws
    // std::runtime_error when the file cannot be opened.
    explicit AccessLog(const std::string& path, AccessFields fields = AccessFields::iis_default());
    // No file: each line goes to `sink` as it is made (a worker serving
    // handed-over connections sends its lines to the front end's log).
    using LineSink = std::function<void(std::string_view line)>;
    AccessLog(AccessFields fields, LineSink sink);

    const AccessFields& fields() const { return fields_; }

    // The request's side of its record: only the fields this log writes
    // are copied. cs-uri-stem is the decoded path, as IIS logs it, and
    // cs-uri-query the query as received.
    AccessRecord record_for(const ecb::Request& request) const;

    // Writes one line to the file (one write per line, or per batch of the
    // lines that came while another was being written), so the file never
    // ends inside a line and a crash loses no finished request. Thread-safe.
    void write(const AccessRecord& record);
    // Appends lines made elsewhere (by a LineSink log), as write() does.
    void write_lines(std::string_view lines);
    // Returns once no write is under way (every record is in the file).
    void flush();

private:
    std::string line_for(const AccessRecord& record) const;

    AccessFields fields_;
    LineSink sink_;
    std::string computer_name_;  // s-computername, looked up once
    std::mutex mutex_;
    std::condition_variable written_;  // writing_ went false
    std::string pending_;              // lines not yet handed to the file
    bool writing_ = false;             // a thread is writing (only it touches out_)
    std::ofstream out_;
    bool failed_ = false;  // a write failed (reported once; the writer's)
};

}  // namespace isapi::host
