#pragma once
// Which file a path names right now, and which version of it: enough to tell
// that a module file was replaced (a new inode) or rewritten in place (a new
// change time, which no tool can set back) since it was last hashed.
#include <cstdint>
#include <optional>
#include <string>

namespace isapi::platform {

struct FileStamp {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t modified_ns = 0;  // last write
    std::int64_t changed_ns = 0;   // last status change (any write, rename, chmod)

    friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

// The stamp of the file at `path` (following symlinks), or nullopt with the
// OS's reason in `error`.
std::optional<FileStamp> file_stamp(const std::string& path, std::string& error);

// The device and inode of the file mapped at `address` (inside a loaded
// module), which no rename of its path changes: which file a load really
// mapped when the path was replaced while it was being opened. nullopt
// where the OS does not say (Windows, so far).
struct MappedFileId {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
};
std::optional<MappedFileId> mapped_file_id(const void* address);

}  // namespace isapi::platform
