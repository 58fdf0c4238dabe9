#pragma once
// Readers for the replay formats. None of them throws on bad content:
// a line (or HAR entry) that does not parse is skipped and reported in
// ReplaySource::malformed, so one bad line never aborts a long replay.
// `name` is the file name used in those reports.
#include <cstddef>
#include <istream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "replay_entry.hpp"

namespace isapi::loadgen {

enum class ReplayFormat { automatic, w3c, har, jsonl, vegeta_http, vegeta_json };

// IIS W3C extended log. Columns are mapped by the latest "#Fields:" line, so a
// file may hold several blocks with different columns. "-" reads as empty.
// IIS writes a space as '+', and the reader turns it back where a space is
// what the field can hold: every '+' of cs(User-Agent), a '+' after a ';' in
// cs(Cookie) (a cookie value holds no space); cs(Referer) is a URL and keeps
// its '+'. cs-uri-stem is logged decoded: its '+' becomes "%20" and what a
// path cannot hold raw is percent-encoded again; cs-uri-query is kept as
// logged. cs-host, cs(User-Agent), cs(Referer) and cs(Cookie) become the
// Host, User-Agent, Referer and Cookie headers.
ReplaySource read_w3c(std::istream& in, const std::string& name);

// HAR 1.2: log.entries[].request {method, url, headers, postData.text} and
// startedDateTime for timing. Each entry's url_origin is its URL's scheme
// and authority.
ReplaySource read_har(std::istream& in, const std::string& name);

// What --only-host kept of a HAR file, and what it skipped, by host.
struct HostFilterResult {
    std::size_t kept = 0;
    std::size_t skipped = 0;
    // Each other host[:port] with its number of entries, the most first.
    std::vector<std::pair<std::string, std::size_t>> skipped_hosts;
};

// Keeps the entries of a HAR file whose URL is on `host`: "name" matches any
// port, "name:port" (or "[v6]:port") only that port, the URL's scheme's
// default (80, 443) when it gives none. Names compare without regard to
// case or a final dot. Throws std::invalid_argument for an empty or
// malformed `host`.
HostFilterResult keep_only_host(ReplaySource& source, std::string_view host);

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
