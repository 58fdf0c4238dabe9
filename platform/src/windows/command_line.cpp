#include "command_line.hpp"

#include "text.hpp"

#include <windows.h>

#include <algorithm>
#include <string_view>

namespace isapi::platform::windows {
namespace {

// CommandLineToArgvW's rules: outside quotes, white space separates
// arguments; a run of backslashes is literal unless a quote follows it, when
// each pair makes one backslash and an odd one out makes the quote literal.
// So a quoted argument doubles the backslashes before a quote it contains
// (escaping that quote) and before the closing quote.
void append_quoted(std::wstring& line, const std::wstring& argument) {
    if (!argument.empty() && argument.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
        line += argument;
        return;
    }
    line += L'"';
    std::size_t backslashes = 0;
    for (const wchar_t c : argument) {
        if (c == L'\\') {
            ++backslashes;
            continue;
        }
        line.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
        backslashes = 0;
        line += c;
    }
    line.append(backslashes * 2, L'\\');
    line += L'"';
}

// An entry's name: up to the first '=' after its first character (entries
// such as "=C:=C:\dir", the current folder per drive, start with one).
std::wstring_view name_of(std::wstring_view entry) {
    const auto equals = entry.find(L'=', 1);
    return entry.substr(0, equals);
}

bool same_name(std::wstring_view a, std::wstring_view b) {
    return ::CompareStringOrdinal(a.data(), static_cast<int>(a.size()), b.data(), static_cast<int>(b.size()), TRUE) ==
           CSTR_EQUAL;
}

bool name_before(const std::wstring& a, const std::wstring& b) {
    const auto x = name_of(a);
    const auto y = name_of(b);
    return ::CompareStringOrdinal(x.data(), static_cast<int>(x.size()), y.data(), static_cast<int>(y.size()), TRUE) ==
           CSTR_LESS_THAN;
}

std::vector<std::wstring> current_environment() {
    std::vector<std::wstring> entries;
    wchar_t* block = ::GetEnvironmentStringsW();
    if (block == nullptr) return entries;
    for (const wchar_t* entry = block; *entry != L'\0'; entry += entries.back().size() + 1) entries.emplace_back(entry);
    ::FreeEnvironmentStringsW(block);
    return entries;
}

}  // namespace

std::wstring command_line(const std::vector<std::string>& arguments) {
    std::wstring line;
    for (const auto& argument : arguments) {
        if (!line.empty()) line += L' ';
        append_quoted(line, widen(argument));
    }
    return line;
}

std::wstring environment_block(const std::vector<std::string>& overrides) {
    std::vector<std::wstring> entries;
    for (const auto& o : overrides) entries.push_back(widen(o));
    for (auto& inherited : current_environment()) {
        const auto overridden = std::any_of(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(overrides.size()),
                                            [&](const std::wstring& e) { return same_name(name_of(e), name_of(inherited)); });
        if (!overridden) entries.push_back(std::move(inherited));
    }
    // The system expects the block sorted by name, case-insensitively, in
    // Unicode order rather than a locale's.
    std::stable_sort(entries.begin(), entries.end(), name_before);
    std::wstring block;
    for (const auto& entry : entries) {
        block += entry;
        block += L'\0';
    }
    if (entries.empty()) block += L'\0';  // an empty block is two NULs
    block += L'\0';
    return block;
}

}  // namespace isapi::platform::windows
