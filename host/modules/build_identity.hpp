#pragma once
// The build identity of a loaded module: which file, which
// bytes (a short SHA-256), which worker and which load served a response.
// Computed once per load; a response only copies the finished header.
#include <isapi/contract/host_contract.hpp>
#include <isapi/platform/file_stamp.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace isapi::host {

// The response header that carries the identity.
inline constexpr std::string_view kBuildIdentityHeader = contract::kBuildIdentityHeader;

// Hex digits of the SHA-256 shown in the header.
inline constexpr std::size_t kShortHashDigits = contract::kIdentityHashChars;

struct IdentityOptions {
    std::uint32_t pid = 0;                // the process that loads modules
    std::uint64_t worker_generation = 1;  // 1 for the in-process host
    bool header = true;                   // add the header to extension responses
};

// "version_v1.so; sha256=3f2a9c1b7d04; pid=1234; worker=1; load=3".
// An empty `sha256_hex` (the file could not be read) shows as "unknown".
std::string format_build_identity(std::string_view file_name, std::string_view sha256_hex, std::uint32_t pid,
                                  std::uint64_t worker_generation, std::uint64_t load_generation);

// Hashes module files. It remembers each path's digest with the file's stamp
// (inode, size, modification and change times), so reloading an unchanged
// file (uncached mode reloads per request) costs a stat, not a hash, while a
// replaced or rewritten file is always hashed again. Thread-safe.
class ModuleHasher {
public:
    struct Hash {
        std::string sha256;  // 64 lower-case hex digits
        platform::FileStamp stamp;
    };

    // The digest of the file at `path` as it is now. A file that changes
    // while it is read is read again (a few times); nullopt with the reason
    // when it cannot be read or never holds still.
    std::optional<Hash> hash(const std::string& path, std::string& error);

    // True while `path` still names the file `stamp` was taken from.
    static bool unchanged(const std::string& path, const platform::FileStamp& stamp);

    std::uint64_t files_hashed() const;  // full reads, not cache hits

private:
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Hash> cache_;
    std::uint64_t files_hashed_ = 0;
};

}  // namespace isapi::host
