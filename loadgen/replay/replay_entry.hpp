#pragma once
// What every replay reader produces: requests in file order, each with its
// original time when the format has one, plus the lines it had to skip.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "../client/request_template.hpp"

namespace isapi::loadgen {

struct ReplayEntry {
    RequestSpec request;
    std::optional<double> time_ms;  // absolute or relative; only differences matter
    std::size_t line = 0;           // 1-based line (HAR: entry index) it came from
    std::string url_origin;         // HAR: the URL's "scheme://authority"; empty otherwise
};

struct MalformedLine {
    std::string file;
    std::size_t line = 0;  // 0 when the whole file is at fault
    std::string reason;

    std::string describe() const;  // "file:line: reason"
};

struct ReplaySource {
    std::vector<ReplayEntry> entries;
    std::vector<MalformedLine> malformed;
    bool har = false;  // then ReplayEntry::line is an index into log.entries, not a line
};

}  // namespace isapi::loadgen
