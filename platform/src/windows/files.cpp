#include <isapi/platform/faults.hpp>
#include <isapi/platform/files.hpp>

#include "os_error.hpp"
#include "pe_image.hpp"
#include "text.hpp"

#include <windows.h>

#include <filesystem>
#include <random>
#include <system_error>
#include <vector>

namespace isapi::platform {
namespace {

using windows::Handle;
using windows::os_error;
using windows::widen;

// A name no other process picks at the same moment: the process id and a
// random number, tried again when the name exists after all.
std::wstring unique_suffix() {
    static thread_local std::mt19937_64 random{std::random_device{}() ^ ::GetCurrentProcessId()};
    return std::to_wstring(::GetCurrentProcessId()) + L"-" + std::to_wstring(random() % 1'000'000'000);
}

// Copies `from` to the end of `to`; on failure, GetLastError says why and
// `read_failed` which side it was.
bool copy_bytes(HANDLE from, HANDLE to, bool& read_failed) {
    std::vector<char> buffer(64 * 1024);
    for (;;) {
        DWORD got = 0;
        read_failed = !::ReadFile(from, buffer.data(), static_cast<DWORD>(buffer.size()), &got, nullptr);
        if (read_failed) return false;
        if (got == 0) return true;
        DWORD written = 0;
        if (!::WriteFile(to, buffer.data(), got, &written, nullptr)) return false;
        if (written != got) {
            ::SetLastError(ERROR_WRITE_FAULT);
            return false;
        }
    }
}

}  // namespace

// Permission bits have no Windows counterpart: the copy gets the ACL its
// folder gives new files, as a copy by hand (or by IIS's shadow copy) would.
bool copy_file_atomically(const std::string& from, const std::string& to, std::string& error) {
    if (fault_injected("copy")) {
        error = "injected fault: copy (ISAPI_FAULTS)";
        return false;
    }
    Handle source(::CreateFileW(widen(from).c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_DELETE, nullptr,
                                OPEN_EXISTING, FILE_FLAG_SEQUENTIAL_SCAN, nullptr));
    if (!source.valid()) {
        error = "cannot read " + from + ": " + os_error(::GetLastError());
        return false;
    }
    // A folder opens only with FILE_FLAG_BACKUP_SEMANTICS; a pipe or device
    // would block or never end. Modules are files on a disk.
    if (::GetFileType(source.get()) != FILE_TYPE_DISK) {
        error = "cannot copy " + from + ": not a regular file";
        return false;
    }

    // In `to`'s folder, so that the final rename stays on one volume and is
    // atomic.
    const std::filesystem::path target = windows::to_path(to);
    const std::filesystem::path folder = target.has_parent_path() ? target.parent_path() : L".";
    std::filesystem::path temp_path;
    Handle temp(INVALID_HANDLE_VALUE);
    for (int attempt = 0; attempt < 16 && !temp.valid(); ++attempt) {
        temp_path = folder / (L"." + target.filename().native() + L".tmp-" + unique_suffix());
        temp.reset(::CreateFileW(temp_path.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL,
                                 nullptr));
        if (!temp.valid() && ::GetLastError() != ERROR_FILE_EXISTS) break;
    }
    if (!temp.valid()) {
        const DWORD code = ::GetLastError();
        error = "cannot create a temporary file in " + windows::from_path(folder) + " for " + to + ": " +
                os_error(code);
        return false;
    }
    const std::string temp_name = windows::from_path(temp_path);
    bool read_failed = false;
    bool ok = copy_bytes(source.get(), temp.get(), read_failed);
    if (!ok) {
        const DWORD code = ::GetLastError();
        error = "cannot " + (read_failed ? "read " + from : "write " + temp_name) + ": " + os_error(code);
    }
    // The bytes reach the disk before the name does, so a crash cannot leave
    // a complete-looking name over missing data.
    if (ok && (!::FlushFileBuffers(temp.get()) || !temp.close())) {
        error = "cannot write " + temp_name + ": " + os_error(::GetLastError());
        ok = false;
    }
    if (ok && !::MoveFileExW(temp_path.c_str(), target.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
        error = "cannot rename " + temp_name + " to " + to + ": " + os_error(::GetLastError());
        ok = false;
    }
    if (!ok) {
        if (temp.valid()) temp.close();
        ::DeleteFileW(temp_path.c_str());
    }
    return ok;
}

ModuleFileState module_file_state(const std::string& path, std::string& detail) {
    detail.clear();
    // Shared for writing and deletion: the file may be mid-copy, and looking
    // must not get in the way of the copy or a rename.
    Handle file(::CreateFileW(widen(path).c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                              nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr));
    BY_HANDLE_FILE_INFORMATION info{};
    if (!file.valid() || !::GetFileInformationByHandle(file.get(), &info)) {
        const DWORD code = ::GetLastError();
        const bool absent = code == ERROR_FILE_NOT_FOUND || code == ERROR_PATH_NOT_FOUND;
        detail = absent ? "no such file" : "cannot read the file: " + os_error(code);
        return absent ? ModuleFileState::missing : ModuleFileState::not_a_module;
    }
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0 || ::GetFileType(file.get()) != FILE_TYPE_DISK) {
        detail = "not a regular file";
        return ModuleFileState::not_a_module;
    }
    const std::uint64_t size = (static_cast<std::uint64_t>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
    return pe_file_state(file.get(), size, detail);
}

std::optional<std::string> make_private_directory(const std::string& prefix, std::string& error) {
    // %TMP% is the user's own folder on Windows, which other users cannot
    // read: the new folder inherits that.
    wchar_t base[MAX_PATH + 1];
    const DWORD length = ::GetTempPathW(MAX_PATH + 1, base);
    if (length == 0 || length > MAX_PATH) {
        error = "cannot find the temporary folder: " + os_error(::GetLastError());
        return std::nullopt;
    }
    for (int attempt = 0; attempt < 16; ++attempt) {
        const std::wstring path = std::wstring(base, length) + widen(prefix) + L"-" + unique_suffix();
        if (::CreateDirectoryW(path.c_str(), nullptr)) return windows::narrow(path);
        if (::GetLastError() != ERROR_ALREADY_EXISTS) break;
    }
    const DWORD code = ::GetLastError();
    error = "cannot create a folder in " + windows::narrow(std::wstring(base, length)) + ": " + os_error(code);
    return std::nullopt;
}

void remove_tree(const std::string& path) {
    std::error_code ignored;
    std::filesystem::remove_all(windows::to_path(path), ignored);
}

}  // namespace isapi::platform
