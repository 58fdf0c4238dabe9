// The live-swap file operations on Windows. MoveFileExW with
// MOVEFILE_REPLACE_EXISTING replaces the target as rename(2) does (within a
// volume, a metadata change). Windows has no counterpart of Linux's
// renameat2 RENAME_EXCHANGE: exchange_files answers `unsupported`.
#include <isapi/platform/faults.hpp>
#include <isapi/platform/renames.hpp>

#include "os_error.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace isapi::platform {
namespace {

using windows::Handle;
using windows::os_error;
using windows::widen;

constexpr std::size_t kPacedChunk = 4096;

bool read_whole_file(const std::string& path, std::vector<char>& bytes, std::string& error) {
    Handle file(::CreateFileW(widen(path).c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
    LARGE_INTEGER size{};
    if (!file.valid() || !::GetFileSizeEx(file.get(), &size)) {
        error = "cannot read " + path + ": " + os_error(::GetLastError());
        return false;
    }
    bytes.resize(static_cast<std::size_t>(size.QuadPart));
    std::size_t got = 0;
    while (got < bytes.size()) {
        DWORD n = 0;
        const auto want = static_cast<DWORD>(std::min<std::size_t>(bytes.size() - got, 1u << 30));
        if (!::ReadFile(file.get(), bytes.data() + got, want, &n, nullptr) || n == 0) {
            error = "cannot read " + path + ": " + (n == 0 ? "it shrank while it was read" : os_error(::GetLastError()));
            return false;
        }
        got += n;
    }
    return true;
}

bool write_all(HANDLE file, const char* bytes, std::size_t size) {
    while (size > 0) {
        DWORD n = 0;
        if (!::WriteFile(file, bytes, static_cast<DWORD>(std::min<std::size_t>(size, 1u << 30)), &n, nullptr)) return false;
        bytes += n;
        size -= n;
    }
    return true;
}

}  // namespace

bool rename_file(const std::string& from, const std::string& to, std::string& error) {
    if (::MoveFileExW(widen(from).c_str(), widen(to).c_str(), MOVEFILE_REPLACE_EXISTING)) return true;
    error = "cannot rename " + from + " to " + to + ": " + os_error(::GetLastError());
    return false;
}

namespace {

// FILE_INFO_BY_HANDLE_CLASS's FileRenameInfoEx (Windows 10 1709 and later);
// mingw-w64 declares it only for an NTDDI-style _WIN32_WINNT.
constexpr auto kFileRenameInfoEx = static_cast<FILE_INFO_BY_HANDLE_CLASS>(22);

// One rename with POSIX semantics: the name moves even onto a file that is
// open or mapped (a loaded DLL), and openers of `to` see the old file or the
// new one, never neither. Windows 10 1809+ on NTFS; elsewhere (FAT, older
// systems, Wine 8) ERROR_INVALID_PARAMETER or ERROR_NOT_SUPPORTED.
DWORD rename_with_posix_semantics(const std::string& from, const std::string& to) {
    Handle file(::CreateFileW(widen(from).c_str(), DELETE | SYNCHRONIZE,
                              FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                              FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!file.valid()) return ::GetLastError();
    const std::wstring target = widen(to);
    const std::size_t name_bytes = target.size() * sizeof(wchar_t);
    std::vector<unsigned char> buffer(sizeof(FILE_RENAME_INFO) + name_bytes);
    auto* info = reinterpret_cast<FILE_RENAME_INFO*>(buffer.data());
    info->Flags = FILE_RENAME_FLAG_REPLACE_IF_EXISTS | FILE_RENAME_FLAG_POSIX_SEMANTICS;
    info->RootDirectory = nullptr;
    info->FileNameLength = static_cast<DWORD>(name_bytes);
    std::copy(target.begin(), target.end(), info->FileName);
    if (::SetFileInformationByHandle(file.get(), kFileRenameInfoEx, info, static_cast<DWORD>(buffer.size()))) {
        return ERROR_SUCCESS;
    }
    return ::GetLastError();
}

}  // namespace

bool replace_file(const std::string& from, const std::string& to, const std::string& parked, std::string& detail) {
    const DWORD posix = rename_with_posix_semantics(from, to);
    if (posix == ERROR_SUCCESS) {
        detail = "FileRenameInfoEx with POSIX semantics (one atomic rename)";
        return true;
    }
    detail = "FileRenameInfoEx refused: " + os_error(posix);
    if (::MoveFileExW(widen(from).c_str(), widen(to).c_str(), MOVEFILE_REPLACE_EXISTING)) {
        detail += "; MoveFileEx: done (one atomic rename)";
        return true;
    }
    detail += "; MoveFileEx refused: " + os_error(::GetLastError());
    // Renames `to` to `parked` (a loaded image may be renamed, not replaced),
    // then `from` to `to`: two renames inside one call, no copy.
    if (::ReplaceFileW(widen(to).c_str(), widen(from).c_str(), widen(parked).c_str(), REPLACEFILE_IGNORE_MERGE_ERRORS,
                       nullptr, nullptr)) {
        detail += "; ReplaceFileW: done (the old file moved aside first)";
        return true;
    }
    detail = "cannot replace " + to + " with " + from + ": " + detail + "; ReplaceFileW refused: " +
             os_error(::GetLastError());
    return false;
}

bool exchange_available() { return false; }

ExchangeResult exchange_files(const std::string& a, const std::string& b, std::string& error) {
    error = "cannot exchange " + a + " and " + b + ": Windows has no atomic exchange of two names: " +
            os_error(ERROR_NOT_SUPPORTED);
    return ExchangeResult::unsupported;
}

bool remove_file(const std::string& path, std::string& error) {
    if (::DeleteFileW(widen(path).c_str())) return true;
    const DWORD code = ::GetLastError();
    if (code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND) return true;
    error = "cannot remove " + path + ": " + os_error(code);
    return false;
}

bool copy_file_in_place(const std::string& from, const std::string& to, std::uint64_t bytes_per_second,
                        std::string& error) {
    // Read first, so a slow source does not stretch the time `to` is partial
    // beyond what the pacing asks for.
    std::vector<char> bytes;
    if (!read_whole_file(from, bytes, error)) return false;
    // Shared for reading and deleting, as a copy by hand leaves it: a reader
    // (the host's watch) may open the partial file meanwhile.
    Handle target(::CreateFileW(widen(to).c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, nullptr,
                                CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!target.valid()) {
        error = "cannot write " + to + ": " + os_error(::GetLastError());
        return false;
    }
    const bool fail_half_way = fault_injected("swap_copy");
    const std::size_t end = fail_half_way ? bytes.size() / 2 : bytes.size();
    const std::size_t step = bytes_per_second > 0 ? kPacedChunk : std::max<std::size_t>(end, 1);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t done = 0; done < end;) {
        const std::size_t n = std::min(step, end - done);
        if (!write_all(target.get(), bytes.data() + done, n)) {
            error = "cannot write " + to + ": " + os_error(::GetLastError());
            return false;
        }
        done += n;
        if (bytes_per_second > 0 && done < end) {  // the next chunk waits for its due time
            const auto due = start + std::chrono::nanoseconds(static_cast<std::int64_t>(
                                         static_cast<double>(done) * 1e9 / static_cast<double>(bytes_per_second)));
            std::this_thread::sleep_until(due);
        }
    }
    if (fail_half_way) {
        error = "cannot write " + to + ": " + os_error(ERROR_DISK_FULL) + " (injected fault: swap_copy)";
        return false;
    }
    if (!target.close()) {
        error = "cannot write " + to + ": " + os_error(::GetLastError());
        return false;
    }
    return true;
}

}  // namespace isapi::platform
