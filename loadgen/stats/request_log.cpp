#include "request_log.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "log_codec.hpp"

namespace isapi::loadgen {

LogFormat log_format_from(const std::string& name, const std::string& path) {
    if (name == "csv") return LogFormat::csv;
    if (name == "binary" || name == "bin") return LogFormat::binary;
    if (name != "auto") throw std::invalid_argument("--log-format must be csv, binary or auto, not '" + name + "'");
    const bool binary = path.ends_with(".bin") || path.ends_with(".ilog");
    return binary ? LogFormat::binary : LogFormat::csv;
}

RequestLog::RequestLog(const std::string& path, LogFormat format) : path_(path), format_(format) {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw std::runtime_error("cannot create log " + path + ": " + std::strerror(errno));
    queue_.emplace_back(format == LogFormat::csv ? kCsvHeader : kBinaryMagic);
    writer_ = std::thread([this] { write_loop(); });
}

RequestLog::~RequestLog() {
    std::string error;
    if (file_ && !close(error)) std::cerr << "isapi-loadgen: " << error << '\n';
}

void RequestLog::append(std::string chunk) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return queue_.size() < kMaxQueued || closing_; });
    if (closing_) return;
    queue_.push_back(std::move(chunk));
    changed_.notify_all();
}

void RequestLog::write_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return !queue_.empty() || closing_; });
        if (queue_.empty()) return;  // closing, and everything is written
        std::string chunk = std::move(queue_.front());
        queue_.pop_front();
        changed_.notify_all();
        lock.unlock();
        const bool ok = std::fwrite(chunk.data(), 1, chunk.size(), file_) == chunk.size();
        lock.lock();
        failed_ = failed_ || !ok;
    }
}

bool RequestLog::close(std::string& error) {
    if (!file_) return true;
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
    writer_.join();
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (failed_ || !closed) {
        error = "writing the request log " + path_ + " failed (disk full?); the log is incomplete";
        return false;
    }
    return true;
}

RequestLogBuffer::RequestLogBuffer(RequestLog& log, std::uint16_t thread) : log_(log), thread_(thread) {
    buffer_.reserve(kChunk + 512);
}

void RequestLogBuffer::add(const RequestRecord& r, std::string_view build) {
    if (log_.format() == LogFormat::csv) append_csv_row(buffer_, r, build);
    else append_binary_record(buffer_, r, build.empty() ? 0 : build_id(build));
    if (buffer_.size() >= kChunk) flush();
}

std::uint16_t RequestLogBuffer::build_id(std::string_view build) {
    if (last_slot_ < slots_.size() && slots_[last_slot_] == build) return static_cast<std::uint16_t>(last_slot_ + 1);
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i] == build) {
            last_slot_ = i;
            return static_cast<std::uint16_t>(i + 1);
        }
    }
    if (slots_.size() < kBuildSlots) {
        last_slot_ = slots_.size();
        slots_.emplace_back(build);
    } else {
        last_slot_ = next_slot_;
        next_slot_ = (next_slot_ + 1) % kBuildSlots;
        slots_[last_slot_].assign(build);
    }
    const auto id = static_cast<std::uint16_t>(last_slot_ + 1);
    append_binary_build(buffer_, thread_, id, build);
    return id;
}

void RequestLogBuffer::flush() {
    if (buffer_.empty()) return;
    log_.append(std::move(buffer_));
    buffer_ = std::string();
    buffer_.reserve(kChunk + 512);
}

}  // namespace isapi::loadgen
