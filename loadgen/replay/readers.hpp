#pragma once
// Readers for the replay formats. None of them throws on bad content:
// a line (or HAR entry) that does not parse is skipped and reported in
// ReplaySource::malformed, so one bad line never aborts a long replay.
// `name` is the file name used in those reports.
#include <istream>
#include <string>

#include "replay_entry.hpp"

namespace isapi::loadgen {

enum class ReplayFormat { automatic, w3c, har, jsonl, vegeta_http, vegeta_json };

// IIS W3C extended log. Columns are mapped by the latest "#Fields:" line, so a
// file may hold several blocks with different columns. "-" reads as empty and
// '+' is kept as written (IIS writes spaces in cs(User-Agent) as '+').
ReplaySource read_w3c(std::istream& in, const std::string& name);

// HAR 1.2: log.entries[].request {method, url, headers, postData.text} and
// startedDateTime for timing.
ReplaySource read_har(std::istream& in, const std::string& name);

// JSON lines: {"method", "path", "headers", "body", "offset_ms"}; only "path"
// is required. "headers" is an object or a list of [name, value] pairs.
ReplaySource read_jsonl(std::istream& in, const std::string& name);

// vegeta's http targets: "METHOD URL", then "Name: value" header lines and
// an optional "@FILE" body line (the file's bytes, the path as written);
// targets are separated by blank lines, '#' starts a comment.
ReplaySource read_vegeta_http(std::istream& in, const std::string& name);
// One "METHOD URL" line of it into `spec`; false when the line is not one.
bool read_vegeta_request_line(const std::string& line, RequestSpec& spec);

// vegeta's json targets, one per line: {"method", "url", "header": {name:
// [values]}, "body": base64}.
ReplaySource read_vegeta_json(std::istream& in, const std::string& name);

// Picks the reader from the format, or from the file's name and first bytes.
// Throws std::runtime_error when the file cannot be opened.
ReplaySource read_replay_file(const std::string& path, ReplayFormat format);

// "w3c", "har", "jsonl", "vegeta", "vegeta-json" or "auto"; throws
// std::invalid_argument otherwise.
ReplayFormat replay_format_from(const std::string& name);

}  // namespace isapi::loadgen
