#pragma once
// The rows of samples/server_vars_dump/server_variable_table.h for the C++
// tests (unit and integration), and the helpers both need to compare an
// answer with a row: filling in the placeholders and reading the sample's
// escaped "NAME=value" / "NAME!CODE" lines.
#include "../../../samples/server_vars_dump/server_variable_table.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace server_vars {

struct Row {
    std::string_view name;
    std::string_view expected;  // a value, or "!CODE"
    std::string_view source;
};

#define SERVER_VARS_ROW(name, expected, source) Row{name, expected, source},
inline constexpr Row kRows[] = {SERVER_VARIABLE_TABLE(SERVER_VARS_ROW)};
#undef SERVER_VARS_ROW

// What the placeholders of the table stand for in one run.
struct Placeholders {
    std::string host, server, port, local, remote, remote_port, root;
};

// `expected` with every {placeholder} replaced.
inline std::string fill(std::string_view expected, const Placeholders& p) {
    const std::pair<std::string_view, const std::string*> names[] = {
        {"{host}", &p.host},     {"{server}", &p.server},           {"{port}", &p.port}, {"{local}", &p.local},
        {"{remote}", &p.remote}, {"{remote_port}", &p.remote_port}, {"{root}", &p.root}};
    std::string out;
    for (std::size_t i = 0; i < expected.size();) {
        bool replaced = false;
        for (const auto& [key, value] : names) {
            if (expected.substr(i, key.size()) == key) {
                out += *value;
                i += key.size();
                replaced = true;
                break;
            }
        }
        if (!replaced) out += expected[i++];
    }
    return out;
}

// One line of the sample's output: the name and "value" or "!CODE" as in the table.
struct Answer {
    std::string name;
    std::string answer;
};

// Undoes the sample's escapes (\r, \n, \\).
inline std::string unescape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\' || i + 1 == text.size()) {
            out += text[i];
            continue;
        }
        const char next = text[++i];
        out += next == 'r' ? '\r' : next == 'n' ? '\n' : next;
    }
    return out;
}

// Splits the sample's body into answers, in order. A line with neither '='
// nor '!' is kept whole as a name with an empty answer, so it fails loudly.
inline std::vector<Answer> parse_dump(const std::string& body) {
    std::vector<Answer> answers;
    std::size_t start = 0;
    while (start < body.size()) {
        std::size_t end = body.find('\n', start);
        if (end == std::string::npos) end = body.size();
        const std::string_view line(body.data() + start, end - start);
        // Names hold no '=' or '!', so the first of either ends the name.
        const std::size_t cut = line.find_first_of("=!");
        if (cut == std::string_view::npos) {
            answers.push_back({std::string(line), {}});
        } else if (line[cut] == '=') {
            answers.push_back({std::string(line.substr(0, cut)), unescape(line.substr(cut + 1))});
        } else {
            answers.push_back({std::string(line.substr(0, cut)), std::string(line.substr(cut))});
        }
        start = end + 1;
    }
    return answers;
}

}  // namespace server_vars
