#include "loadgen/report/request_log.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "loadgen/report/log_codec.hpp"

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
    append(format == LogFormat::csv ? kCsvHeader : kBinaryMagic);
}

RequestLog::~RequestLog() {
    std::string error;
    if (file_ && !close(error)) std::cerr << "isapi-loadgen: " << error << '\n';
}

void RequestLog::append(std::string_view chunk) {
    std::lock_guard lock(mutex_);
    if (!file_ || failed_) return;
    if (std::fwrite(chunk.data(), 1, chunk.size(), file_) != chunk.size()) failed_ = true;
}

bool RequestLog::close(std::string& error) {
    std::lock_guard lock(mutex_);
    if (!file_) return true;
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

void RequestLogBuffer::add(const RequestRecord& r, std::uint16_t build_id, std::string_view build) {
    if (log_.format() == LogFormat::csv) {
        append_csv_row(buffer_, r, build);
    } else {
        if (build_id != 0) {
            if (defined_.size() <= build_id) defined_.resize(build_id + 1U, false);
            if (!defined_[build_id]) {
                append_binary_build(buffer_, thread_, build_id, build);
                defined_[build_id] = true;
            }
        }
        append_binary_record(buffer_, r, build_id);
    }
    if (buffer_.size() >= kChunk) flush();
}

void RequestLogBuffer::flush() {
    if (buffer_.empty()) return;
    log_.append(buffer_);
    buffer_.clear();
}

}  // namespace isapi::loadgen
