#include "response_writer.hpp"

#include "header_text.hpp"
#include "http_date.hpp"
#include "status_line.hpp"

#include <isapi/version.hpp>

#include <algorithm>
#include <charconv>

namespace isapi::ecb::detail {

namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
constexpr std::string_view kErrorHeaders =
    "Content-Type: text/plain\r\nContent-Length: 25\r\n\r\n500 Internal Server Error";

// "1a2b\r\n" into buf; returns its view.
std::string_view chunk_header(std::uint64_t size, char (&buf)[24]) {
    auto [end, ec] = std::to_chars(buf, buf + 20, size, 16);
    *end++ = '\r';
    *end++ = '\n';
    return {buf, static_cast<std::size_t>(end - buf)};
}

// "404 Not Found" into buf; codes outside 100..999 become 200.
std::string_view status_text(unsigned code, char (&buf)[64]) {
    if (code < 100 || code > 999) code = 200;
    auto [end, ec] = std::to_chars(buf, buf + 3, code);
    *end++ = ' ';
    const std::size_t n = reason_phrase(code).copy(end, sizeof buf - 4);
    return {buf, static_cast<std::size_t>(end - buf) + n};
}

}  // namespace

ResponseWriter::ResponseWriter(Transport& transport, Options options, BadResponseSink on_bad_response)
    : transport_(transport), options_(options), on_bad_response_(std::move(on_bad_response)) {}

void ResponseWriter::report(std::string_view kind, std::string evidence) {
    if (on_bad_response_) on_bad_response_(kind, std::move(evidence));
}

ResponseWriter::Status ResponseWriter::send_header(std::string_view status, std::string_view header_text,
                                                   bool keep_conn) {
    if (header_started_) return Status::header_already_sent;
    if (body_finished_) return Status::body_finished;
    const auto code = parse_status(status);
    if (!code) {
        report("bad_response_header", "status line refused: \"" + printable(status) + "\"");
        return Status::bad_status;
    }

    head_.clear();
    head_.reserve(192 + header_text.size());
    head_.append("HTTP/1.1 ").append(status);
    if (status.size() == 3) head_.append(" ").append(reason_phrase(*code));
    head_.append(kCrlf);
    const HeaderScan scan = scan_header_text(header_text, head_);
    if (scan.dropped > 0) {
        report("bad_response_header", std::to_string(scan.dropped) + " header line(s) left out, the first for " +
                                          std::string(scan.first_reason) + ": \"" + printable(scan.first_dropped) +
                                          "\"");
    }
    if (!scan.has_server) head_.append("Server: ").append(version::kServerSoftware).append("\r\n");
    if (!scan.has_date) head_.append("Date: ").append(http_date_now()).append(kCrlf);
    if (options_.extra_headers) {
        for (const Header& h : *options_.extra_headers) head_.append(h.name).append(": ").append(h.value).append(kCrlf);
    }

    keep_ = options_.client_keep_alive && keep_conn && !scan.connection_close;
    const bool bodyless = options_.head_request || *code < 200 || *code == 204 || *code == 304;
    if (bodyless) {
        framing_ = Framing::none;
    } else if (scan.content_length) {
        framing_ = Framing::content_length;
        declared_length_ = *scan.content_length;
    } else if (scan.transfer_encoding) {
        framing_ = Framing::passthrough;
    } else if (keep_ && options_.http11) {
        framing_ = Framing::chunked;
        head_.append("Transfer-Encoding: chunked\r\n");
    } else {
        framing_ = Framing::close_delimited;
        keep_ = false;
    }
    if (!keep_) {
        head_.append("Connection: close\r\n");
    } else if (!options_.http11) {
        head_.append("Connection: keep-alive\r\n");
    }
    head_.append(kCrlf);
    header_started_ = true;
    status_ = *code;
    if (!scan.body.empty()) hold_body(scan.body);
    return Status::ok;
}

ResponseWriter::Status ResponseWriter::send_default_header(unsigned code, bool keep_conn) {
    char buf[64];
    return send_header(status_text(code, buf), {}, keep_conn);
}

std::uint64_t ResponseWriter::sendable(std::uint64_t size) {
    if (framing_ != Framing::content_length) return size;
    const std::uint64_t room = declared_length_ > body_bytes_ ? declared_length_ - body_bytes_ : 0;
    if (size <= room) return size;
    if (!overflow_reported_) {
        overflow_reported_ = true;
        report("body_past_content_length", std::to_string(body_bytes_ + size - declared_length_) +
                                               " body byte(s) past the declared Content-Length " +
                                               std::to_string(declared_length_) + " left out");
    }
    return room;
}

void ResponseWriter::hold_body(std::string_view body) {
    const std::size_t written = body.size();
    body = body.substr(0, sendable(written));
    body_bytes_ += written;
    if (!framed_body()) return;
    if (framing_ == Framing::chunked) {
        char buf[24];
        head_.append(chunk_header(body.size(), buf));
        head_.append(body);
        head_.append(kCrlf);
    } else {
        head_.append(body);
    }
}

bool ResponseWriter::transmit(const PieceList& pieces, bool final) {
    if (pieces.empty()) return true;
    if (failed_) return false;
    transmitted_ = true;
    bool sent = false;
    try {
        sent = final ? transport_.send_final(pieces.view()) : transport_.send(pieces.view());
    } catch (...) {
        // The contract says send() reports failure by returning false; a
        // throwing transport is treated the same way so completion still runs.
    }
    if (!sent) {
        failed_ = true;
        return false;
    }
    bytes_sent_ += pieces.bytes();
    return true;
}

ResponseWriter::Status ResponseWriter::write_body(std::span<const std::string_view> body, bool final) {
    if (body_finished_) return Status::body_finished;
    if (failed_) return Status::transport_failed;
    std::uint64_t size = 0;
    for (std::string_view piece : body) size += piece.size();
    const std::uint64_t allowed = sendable(size);
    body_bytes_ += size;

    PieceList framed;
    char buf[24];
    if (framed_body() && allowed > 0) {
        if (framing_ == Framing::chunked) framed.push(chunk_header(size, buf));
        std::uint64_t left = allowed;
        for (std::string_view piece : body) {
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, piece.size()));
            framed.push(piece.substr(0, n));
            if ((left -= n) == 0) break;
        }
        if (framing_ == Framing::chunked) framed.push(kCrlf);
    }
    if (final) {
        if (framing_ == Framing::chunked) framed.push(kLastChunk);
        body_finished_ = true;
    }
    // Without a framed body (HEAD, 204, 304) the header block stays held
    // until finish() or flush(): no body write will ever need to go with it.
    if (!framed_body()) return Status::ok;
    const bool complete = body_finished_ || (framing_ == Framing::content_length && body_bytes_ >= declared_length_);
    if (complete && head_.size() + framed.bytes() <= kHoldLimitBytes) {
        for (std::string_view piece : framed.view()) head_.append(piece);
        return Status::ok;
    }
    return send_held(framed.view());
}

ResponseWriter::Status ResponseWriter::flush() { return send_held({}); }

ResponseWriter::Status ResponseWriter::send_held(std::span<const std::string_view> more) {
    PieceList pieces;
    pieces.push(head_);
    for (std::string_view piece : more) pieces.push(piece);
    const bool ok = transmit(pieces);
    head_.clear();
    return ok ? Status::ok : Status::transport_failed;
}

ResponseWriter::Status ResponseWriter::write_raw(std::string_view bytes, unsigned status, bool keep_alive) {
    if (header_started_) return Status::header_already_sent;
    header_started_ = true;
    body_finished_ = true;
    framing_ = Framing::raw;
    status_ = status;
    keep_ = options_.client_keep_alive && keep_alive;
    PieceList pieces;
    pieces.push(bytes);
    return transmit(pieces) ? Status::ok : Status::transport_failed;
}

bool ResponseWriter::keep_alive_intended(bool keep_conn) const {
    if (!header_started_) return options_.client_keep_alive && keep_conn && !failed_;
    return keep_ && keep_conn && !failed_;
}

ResponseWriter::Result ResponseWriter::finish(bool error, unsigned default_status, bool keep_conn) {
    Result result;
    if (error && !transmitted_) {
        // Nothing reached the client yet, so a held header block can still be
        // replaced by an honest 500.
        header_started_ = false;
        body_finished_ = false;
        body_bytes_ = 0;
        send_header("500 Internal Server Error", kErrorHeaders, keep_conn);
    } else if (error) {
        result.status = status_;
        result.bytes_sent = bytes_sent_;
        result.aborted = true;  // the body is cut short; the close tells the client
        return result;
    } else if (!header_started_) {
        char buf[64];
        send_header(status_text(default_status, buf), "Content-Length: 0\r\n\r\n", keep_conn);
    }

    PieceList pieces;
    pieces.push(head_);
    if (framing_ == Framing::chunked && !body_finished_) pieces.push(kLastChunk);
    transmit(pieces, true);
    head_.clear();
    body_finished_ = true;

    const bool short_body = framing_ == Framing::content_length && body_bytes_ != declared_length_;
    result.status = status_;
    result.bytes_sent = bytes_sent_;
    result.keep_alive = keep_ && keep_conn && !failed_ && !short_body;
    result.aborted = failed_ || (framing_ == Framing::content_length && body_bytes_ < declared_length_);
    return result;
}

}  // namespace isapi::ecb::detail
