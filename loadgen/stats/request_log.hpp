#pragma once
// The per-request log, streamed to disk so memory stays flat however long the
// run. Each worker thread fills its own RequestLogBuffer without locks and
// hands over a large chunk now and then; a writer thread of the log's own
// writes the chunks, so a slow disk does not stall a worker's event loop
// (which would show up as server latency). At most kMaxQueued chunks wait;
// beyond that the hand-off blocks, which bounds memory.
#include <cstdint>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <string_view>
#include <vector>

#include "request_record.hpp"

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
    // Thread-safe; queues the chunk for the writer thread. Write errors are
    // remembered and returned by close().
    void append(std::string chunk);
    // Writes what is queued, stops the writer and closes the file. Returns
    // false, with the reason, if any write failed.
    bool close(std::string& error);

    static constexpr std::size_t kMaxQueued = 16;

private:
    void write_loop();

    std::string path_;
    LogFormat format_;
    std::FILE* file_ = nullptr;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> queue_;
    bool closing_ = false;
    bool failed_ = false;  // written by the writer thread, read after join
    std::thread writer_;
};

class RequestLogBuffer {
public:
    RequestLogBuffer(RequestLog& log, std::uint16_t thread);
    ~RequestLogBuffer() { flush(); }
    RequestLogBuffer(const RequestLogBuffer&) = delete;
    RequestLogBuffer& operator=(const RequestLogBuffer&) = delete;

    // `build` is the response's X-Isapi-Build value, empty when it had none.
    void add(const RequestRecord& r, std::string_view build);
    void flush();

    // Build ids in use at once; the least recently defined one is reused.
    static constexpr std::size_t kBuildSlots = 64;

private:
    // The binary log's id for `build`, written as a 'B' item when new.
    std::uint16_t build_id(std::string_view build);

    static constexpr std::size_t kChunk = 256 * 1024;
    RequestLog& log_;
    std::uint16_t thread_;
    std::string buffer_;
    std::vector<std::string> slots_;  // binary: slots_[id - 1] is the value id names now
    std::size_t last_slot_ = 0;        // the slot used last, checked first
    std::size_t next_slot_ = 0;        // the slot a new value takes once all are used
};

}  // namespace isapi::loadgen
