#include <string_view>
#include <vector>

#include "readers.hpp"
#include "time_parse.hpp"

namespace isapi::loadgen {
namespace {

std::vector<std::string_view> split_spaces(std::string_view line) {
    std::vector<std::string_view> out;
    while (!line.empty()) {
        const auto space = line.find(' ');
        out.push_back(line.substr(0, space));
        if (space == std::string_view::npos) break;
        line.remove_prefix(space + 1);
    }
    return out;
}

// IIS writes each space of a header value as '+' (a field is one token) and
// leaves a '+' as it is, so the two cannot be told apart; what a value may
// hold decides. A User-Agent is words and comments: every '+' was a space.
std::string user_agent_from(std::string_view logged) {
    std::string out(logged);
    for (char& c : out)
        if (c == '+') c = ' ';
    return out;
}

// A cookie value holds no space (RFC 6265, cookie-octet), but a '+' often
// (base64): the only spaces in a Cookie header follow its ';' separators.
std::string cookie_from(std::string_view logged) {
    std::string out;
    out.reserve(logged.size());
    for (std::size_t i = 0; i < logged.size(); ++i)
        out += logged[i] == '+' && i > 0 && logged[i - 1] == ';' ? ' ' : logged[i];
    return out;
}
// A Referer is a URL, which holds no space: its '+' are its own, kept.

bool hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// cs-uri-stem is the decoded path (IIS decodes before it logs; so does
// isapi-host), with each space as '+': encoded again for the request line.
// A '+' was a space (IIS refuses a '+' in a path unless allowDoubleEscaping
// is on), "%XX" is kept as an escape (a stem logged undecoded), and every
// byte a path cannot hold raw is escaped.
std::string target_from_stem(std::string_view stem) {
    static constexpr std::string_view kRaw = "-._~!$&'()*,;=:@/";
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(stem.size());
    for (std::size_t i = 0; i < stem.size(); ++i) {
        const char c = stem[i];
        const auto byte = static_cast<unsigned char>(c);
        if (c == '+') {
            out += "%20";
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   kRaw.find(c) != std::string_view::npos ||
                   (c == '%' && i + 2 < stem.size() && hex_digit(stem[i + 1]) && hex_digit(stem[i + 2]))) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0xF];
        }
    }
    return out;
}

// Column positions of the fields the replayer uses; -1 when absent.
struct Columns {
    int date = -1, time = -1, method = -1, stem = -1, query = -1, host = -1, agent = -1, referer = -1, cookie = -1;
    std::size_t count = 0;

    static Columns from(const std::vector<std::string_view>& names) {
        Columns c;
        c.count = names.size();
        for (std::size_t i = 0; i < names.size(); ++i) {
            const auto n = names[i];
            const int at = static_cast<int>(i);
            if (n == "date") c.date = at;
            else if (n == "time") c.time = at;
            else if (n == "cs-method") c.method = at;
            else if (n == "cs-uri-stem") c.stem = at;
            else if (n == "cs-uri-query") c.query = at;
            else if (n == "cs-host") c.host = at;
            else if (n == "cs(User-Agent)") c.agent = at;
            else if (n == "cs(Referer)") c.referer = at;
            else if (n == "cs(Cookie)") c.cookie = at;
        }
        return c;
    }
};

std::string_view field(const std::vector<std::string_view>& values, int column) {
    if (column < 0) return {};
    const auto v = values[static_cast<std::size_t>(column)];
    return v == "-" ? std::string_view{} : v;
}

}  // namespace

ReplaySource read_w3c(std::istream& in, const std::string& name) {
    ReplaySource out;
    std::optional<Columns> columns;
    std::string text;
    std::size_t number = 0;
    auto bad = [&](std::string reason) { out.malformed.push_back({name, number, std::move(reason)}); };
    while (std::getline(in, text)) {
        ++number;
        std::string_view line = text;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        if (line.front() == '#') {
            constexpr std::string_view fields = "#Fields:";
            if (line.starts_with(fields)) {
                line.remove_prefix(fields.size());
                while (line.starts_with(' ')) line.remove_prefix(1);
                columns = Columns::from(split_spaces(line));
                if (columns->stem < 0) bad("#Fields has no cs-uri-stem; the lines of this block cannot be replayed");
            }
            continue;
        }
        if (!columns) {
            bad("data line before any #Fields: directive");
            continue;
        }
        const auto values = split_spaces(line);
        if (values.size() != columns->count) {
            bad("expected " + std::to_string(columns->count) + " fields as #Fields says, found " +
                std::to_string(values.size()));
            continue;
        }
        if (columns->stem < 0) continue;  // already reported on the #Fields line
        ReplayEntry e;
        e.line = number;
        const auto stem = field(values, columns->stem);
        if (!stem.starts_with('/')) {
            bad("cs-uri-stem '" + std::string(stem) + "' does not start with /");
            continue;
        }
        e.request.target = target_from_stem(stem);
        if (const auto q = field(values, columns->query); !q.empty()) {
            e.request.target += '?';
            e.request.target.append(q.data(), q.size());
        }
        if (const auto m = field(values, columns->method); !m.empty()) e.request.method = std::string(m);
        if (const auto h = field(values, columns->host); !h.empty()) e.request.headers.emplace_back("Host", std::string(h));
        if (const auto a = field(values, columns->agent); !a.empty())
            e.request.headers.emplace_back("User-Agent", user_agent_from(a));
        if (const auto r = field(values, columns->referer); !r.empty())
            e.request.headers.emplace_back("Referer", std::string(r));
        if (const auto c = field(values, columns->cookie); !c.empty())
            e.request.headers.emplace_back("Cookie", cookie_from(c));
        if (columns->date >= 0 && columns->time >= 0) {
            e.time_ms = parse_w3c_time_ms(values[static_cast<std::size_t>(columns->date)],
                                          values[static_cast<std::size_t>(columns->time)]);
            if (!e.time_ms) {
                bad("bad date/time '" + std::string(values[static_cast<std::size_t>(columns->date)]) + " " +
                    std::string(values[static_cast<std::size_t>(columns->time)]) + "'");
                continue;
            }
        }
        out.entries.push_back(std::move(e));
    }
    return out;
}

}  // namespace isapi::loadgen
