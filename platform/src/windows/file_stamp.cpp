#include <isapi/platform/file_stamp.hpp>

#include "os_error.hpp"
#include "text.hpp"

#include <windows.h>

namespace isapi::platform {
namespace {

// FILETIME-style ticks (100 ns since 1601) to nanoseconds since 1970, the
// epoch the POSIX stamps use, so that both compare the same way.
std::int64_t unix_ns(LONGLONG ticks) {
    constexpr std::int64_t kTicksFrom1601To1970 = 116'444'736'000'000'000;
    return (static_cast<std::int64_t>(ticks) - kTicksFrom1601To1970) * 100;
}

}  // namespace

std::optional<FileStamp> file_stamp(const std::string& path, std::string& error) {
    // No access asked for, only attributes: works on a module another
    // process holds open, or one loaded (and so locked against writes).
    // Without FILE_FLAG_OPEN_REPARSE_POINT, symbolic links are followed.
    windows::Handle file(::CreateFileW(windows::widen(path).c_str(), FILE_READ_ATTRIBUTES,
                                       FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                       FILE_FLAG_BACKUP_SEMANTICS, nullptr));
    BY_HANDLE_FILE_INFORMATION identity{};
    FILE_BASIC_INFO times{};
    if (!file.valid() || !::GetFileInformationByHandle(file.get(), &identity) ||
        !::GetFileInformationByHandleEx(file.get(), FileBasicInfo, &times, sizeof times)) {
        error = windows::os_error(::GetLastError());
        return std::nullopt;
    }
    FileStamp stamp;
    // The volume serial number and file index name the file as st_dev and
    // st_ino do: a replaced file gets a new index.
    stamp.device = identity.dwVolumeSerialNumber;
    stamp.inode = (static_cast<std::uint64_t>(identity.nFileIndexHigh) << 32) | identity.nFileIndexLow;
    stamp.size = (static_cast<std::uint64_t>(identity.nFileSizeHigh) << 32) | identity.nFileSizeLow;
    stamp.modified_ns = unix_ns(times.LastWriteTime.QuadPart);
    // NTFS's change time is ctime's match: any write, rename or attribute
    // change sets it. Unlike ctime it can be set (SetFileInformationByHandle),
    // but copy tools and SetFileTime leave it alone.
    stamp.changed_ns = unix_ns(times.ChangeTime.QuadPart);
    return stamp;
}

// Not asked of Windows yet; the loader's caller then guesses the newer file.
std::optional<MappedFileId> mapped_file_id(const void*) { return std::nullopt; }

}  // namespace isapi::platform
