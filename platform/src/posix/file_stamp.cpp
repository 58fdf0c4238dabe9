#include <isapi/platform/file_stamp.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
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

std::optional<MappedFileId> mapped_file_id(const void* address) {
    // /proc/self/maps: "start-end perms offset major:minor inode path", in hex
    // but the inode.
    std::FILE* maps = std::fopen("/proc/self/maps", "re");
    if (!maps) return std::nullopt;
    const auto target = reinterpret_cast<std::uintptr_t>(address);
    std::optional<MappedFileId> found;
    char line[4096];
    while (!found && std::fgets(line, sizeof line, maps)) {
        std::uintmax_t start = 0, end = 0, inode = 0;
        unsigned major_id = 0, minor_id = 0;
        if (std::sscanf(line, "%jx-%jx %*s %*s %x:%x %ju", &start, &end, &major_id, &minor_id, &inode) != 5) continue;
        if (target < start || target >= end || inode == 0) continue;
        found = MappedFileId{static_cast<std::uint64_t>(makedev(major_id, minor_id)), static_cast<std::uint64_t>(inode)};
    }
    std::fclose(maps);
    return found;
}

}  // namespace isapi::platform
