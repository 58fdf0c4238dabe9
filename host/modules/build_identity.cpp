#include "build_identity.hpp"

#include <isapi/platform/sha256.hpp>

namespace isapi::host {
namespace {

constexpr int kHashAttempts = 3;

}  // namespace

std::string format_build_identity(std::string_view file_name, std::string_view sha256_hex, std::uint32_t pid,
                                  std::uint64_t worker_generation, std::uint64_t load_generation) {
    std::string text;
    text.reserve(file_name.size() + 64);
    text.append(file_name).append("; ").append(contract::kIdentityHashKey);
    text.append(sha256_hex.empty() ? std::string_view("unknown") : sha256_hex.substr(0, kShortHashDigits));
    text.append("; pid=").append(std::to_string(pid));
    text.append("; worker=").append(std::to_string(worker_generation));
    text.append("; load=").append(std::to_string(load_generation));
    return text;
}

std::optional<ModuleHasher::Hash> ModuleHasher::hash(const std::string& path, std::string& error) {
    for (int attempt = 0; attempt < kHashAttempts; ++attempt) {
        const auto before = platform::file_stamp(path, error);
        if (!before) return std::nullopt;
        {
            std::lock_guard lock(mutex_);
            const auto it = cache_.find(path);
            if (it != cache_.end() && it->second.stamp == *before) return it->second;
        }
        auto digest = platform::sha256_file(path);
        if (!digest) {
            error = "cannot read " + path;
            return std::nullopt;
        }
        // A copy in progress changes the stamp; hash only a file that held still.
        std::string ignored;
        const auto after = platform::file_stamp(path, ignored);
        if (after && *after == *before) {
            Hash result{std::move(*digest), *before};
            std::lock_guard lock(mutex_);
            ++files_hashed_;
            cache_[path] = result;
            return result;
        }
    }
    error = path + " kept changing while it was hashed";
    return std::nullopt;
}

bool ModuleHasher::unchanged(const std::string& path, const platform::FileStamp& stamp) {
    std::string ignored;
    const auto now = platform::file_stamp(path, ignored);
    return now && *now == stamp;
}

std::uint64_t ModuleHasher::files_hashed() const {
    std::lock_guard lock(mutex_);
    return files_hashed_;
}

}  // namespace isapi::host
