#pragma once
// The seam takes and returns UTF-8; Windows' own encoding is UTF-16. Every
// path crosses here on its way to a ...W function: the narrow ...A functions
// and std::filesystem::path(std::string) would read it in the ANSI code page.
#include <windows.h>

#include <filesystem>
#include <string>

namespace isapi::platform::windows {

inline std::wstring widen(const std::string& text) {
    if (text.empty()) return {};
    const int size = static_cast<int>(text.size());
    const int wide_size = ::MultiByteToWideChar(CP_UTF8, 0, text.data(), size, nullptr, 0);
    std::wstring wide(static_cast<std::size_t>(wide_size), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, text.data(), size, wide.data(), wide_size);
    return wide;
}

inline std::string narrow(const std::wstring& wide) {
    if (wide.empty()) return {};
    const int size = static_cast<int>(wide.size());
    const int narrow_size = ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), size, nullptr, 0, nullptr, nullptr);
    std::string text(static_cast<std::size_t>(narrow_size), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), size, text.data(), narrow_size, nullptr, nullptr);
    return text;
}

inline std::filesystem::path to_path(const std::string& utf8) { return std::filesystem::path(widen(utf8)); }

inline std::string from_path(const std::filesystem::path& path) { return narrow(path.native()); }

}  // namespace isapi::platform::windows
