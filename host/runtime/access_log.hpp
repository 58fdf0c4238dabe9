#pragma once
// IIS W3C extended access log: a "#Fields:" header, then one line per request.
#include <chrono>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <string>

namespace isapi::host {

struct AccessRecord {
    std::string client_ip, server_ip, method, uri_stem, uri_query, user_agent, username;
    std::uint16_t server_port = 0;
    unsigned status = 0;
    std::uint64_t bytes_sent = 0;
    std::chrono::milliseconds time_taken{0};
};

class AccessLog {
public:
    // Opens (appends to) `path` and writes the W3C directives. Throws
    // std::runtime_error when the file cannot be opened.
    explicit AccessLog(const std::string& path);
    void write(const AccessRecord& record);  // thread-safe
    void flush();

private:
    std::mutex mutex_;
    std::ofstream out_;
};

}  // namespace isapi::host
