#include <isapi/platform/file_stamp.hpp>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace isapi::platform {

std::optional<FileStamp> file_stamp(const std::string& path, std::string& error) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        error = std::strerror(errno);
        return std::nullopt;
    }
    constexpr std::int64_t kBillion = 1'000'000'000;
    FileStamp stamp;
    stamp.device = static_cast<std::uint64_t>(st.st_dev);
    stamp.inode = static_cast<std::uint64_t>(st.st_ino);
    stamp.size = static_cast<std::uint64_t>(st.st_size);
    stamp.modified_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * kBillion + st.st_mtim.tv_nsec;
    stamp.changed_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * kBillion + st.st_ctim.tv_nsec;
    return stamp;
}

}  // namespace isapi::platform
