#pragma once
// How a request ended. Every request the load model issues ends in exactly one
// class, so sent == answered + dropped always holds.
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace isapi::loadgen {

enum class ErrorClass : std::uint8_t {
    ok,                 // answered with an acceptable status
    status_4xx,         // answered 4xx (and no --expect-status given)
    status_5xx,         // answered 5xx (and no --expect-status given)
    unexpected_status,  // answered, but not with a status from --expect-status
    refused,            // connect refused
    reset,              // connection reset before the response was complete
    eof,                // connection closed before the response was complete
    timeout,            // no complete response before the request's deadline
    keepalive_race,     // reset or closed on a reused idle connection before any byte arrived
    io_error,           // any other transport or protocol failure (unparseable response, ...)
    tls,                // https: the TLS handshake failed (certificate not trusted, wrong host, no common protocol)
};
// tls came last so that the binary logs written before it still read alike.

inline constexpr std::size_t kClassCount = 11;

// True for the classes in which no response arrived.
constexpr bool is_dropped(ErrorClass c) noexcept {
    return c >= ErrorClass::refused;
}

std::string_view class_name(ErrorClass c) noexcept;
std::optional<ErrorClass> class_from_name(std::string_view name) noexcept;

// Every class, in declaration order, for reports that list them all.
const std::array<ErrorClass, kClassCount>& all_classes() noexcept;

}  // namespace isapi::loadgen

#include <vector>

namespace isapi::loadgen {

// The class of an answered request. With an empty `expected`, 2xx and 3xx are
// ok and 4xx/5xx are their own classes; otherwise only the listed statuses are ok.
ErrorClass classify_status(unsigned status, const std::vector<unsigned>& expected) noexcept;

}  // namespace isapi::loadgen
