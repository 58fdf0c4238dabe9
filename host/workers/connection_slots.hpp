#pragma once
// The layout of the table a worker and the front end share with --handoff:
// one record per handed connection: its state (one byte, SessionState), the
// bytes the worker had read from it when it last marked it idle, and the
// request line it holds ("GET /app.dll?a=1", cut at the record's end). The
// worker writes them; the front end reads them once the worker has died, to
// answer or pass on each connection and to name the requests it lost.
#include "../server/session_tracker.hpp"

#include <isapi/platform/connection_handoff.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace isapi::host {

class ConnectionSlots {
public:
    static constexpr std::size_t kRecordBytes = 128;
    // The request line's room: the record less the state byte, its padding,
    // the byte count and the line's NUL.
    static constexpr std::size_t kLineOffset = 16;
    static constexpr std::size_t kLineRoom = kRecordBytes - kLineOffset - 1;
    static constexpr std::size_t bytes_for(std::size_t slots) { return slots * kRecordBytes; }

    explicit ConnectionSlots(platform::SharedStateTable& table) : table_(table) {}
    std::size_t count() const { return table_.size() / kRecordBytes; }

    void set_state(std::size_t slot, SessionState state) {
        table_.at(slot * kRecordBytes).store(static_cast<std::uint8_t>(state), std::memory_order_release);
    }
    SessionState state(std::size_t slot) {
        return static_cast<SessionState>(table_.at(slot * kRecordBytes).load(std::memory_order_acquire));
    }

    // Before the state says idle. The table is mapped at a page boundary, so
    // the count (at offset 8 of a 128-byte record) is aligned.
    void set_bytes_read(std::size_t slot, std::uint64_t bytes) {
        std::atomic_ref<std::uint64_t>(count_at(slot)).store(bytes, std::memory_order_relaxed);
    }
    std::uint64_t bytes_read(std::size_t slot) {
        return std::atomic_ref<std::uint64_t>(count_at(slot)).load(std::memory_order_relaxed);
    }

    void clear_request(std::size_t slot) { table_.bytes()[slot * kRecordBytes + kLineOffset] = '\0'; }
    // Before the state says busy: the reader looks only after the writer died.
    void set_request(std::size_t slot, std::string_view method, std::string_view target) {
        char* line = table_.bytes() + slot * kRecordBytes + kLineOffset;
        const std::size_t room = kLineRoom;
        std::size_t n = std::min(method.size(), room);
        std::memcpy(line, method.data(), n);
        if (n < room) line[n++] = ' ';
        const std::size_t t = std::min(target.size(), room - n);
        std::memcpy(line + n, target.data(), t);
        line[n + t] = '\0';
    }
    std::string request(std::size_t slot) {
        const char* line = table_.bytes() + slot * kRecordBytes + kLineOffset;
        return std::string(line, ::strnlen(line, kLineRoom));
    }

private:
    std::uint64_t& count_at(std::size_t slot) {
        return *reinterpret_cast<std::uint64_t*>(table_.bytes() + slot * kRecordBytes + 8);
    }

    platform::SharedStateTable& table_;
};

}  // namespace isapi::host
