#pragma once
// The per-request log, streamed to disk so memory stays flat however long the
// run. Each worker thread fills its own RequestLogBuffer without locks and
// hands the file a large chunk now and then; only that hand-off is locked.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/stats/request_record.hpp"

namespace isapi::loadgen {

enum class LogFormat { csv, binary };

// "csv" or "binary"; or from the file name when `name` is "auto" (".bin" and
// ".ilog" mean binary). Throws std::invalid_argument on anything else.
LogFormat log_format_from(const std::string& name, const std::string& path);

class RequestLog {
public:
    // Throws std::runtime_error when the file cannot be created.
    RequestLog(const std::string& path, LogFormat format);
    ~RequestLog();  // closes; a failure is reported on stderr, never thrown
    RequestLog(const RequestLog&) = delete;
    RequestLog& operator=(const RequestLog&) = delete;

    LogFormat format() const noexcept { return format_; }
    // Thread-safe. Write errors are remembered and returned by close().
    void append(std::string_view chunk);
    // Returns false, with the reason, if any write failed.
    bool close(std::string& error);

private:
    std::string path_;
    LogFormat format_;
    std::FILE* file_ = nullptr;
    std::mutex mutex_;
    bool failed_ = false;
};

class RequestLogBuffer {
public:
    RequestLogBuffer(RequestLog& log, std::uint16_t thread);
    ~RequestLogBuffer() { flush(); }
    RequestLogBuffer(const RequestLogBuffer&) = delete;
    RequestLogBuffer& operator=(const RequestLogBuffer&) = delete;

    // `build_id` is the id RunStats::add returned for `build` on this thread.
    void add(const RequestRecord& r, std::uint16_t build_id, std::string_view build);
    void flush();

private:
    static constexpr std::size_t kChunk = 256 * 1024;
    RequestLog& log_;
    std::uint16_t thread_;
    std::string buffer_;
    std::vector<bool> defined_;  // binary: build ids already written
};

}  // namespace isapi::loadgen
