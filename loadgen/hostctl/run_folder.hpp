#pragma once
// The private folder of one swap or race run (the live path, the host's
// output, the request log): made at once, removed at the end unless the
// user keeps it.
#include <filesystem>
#include <stdexcept>
#include <string>

#include <isapi/platform/files.hpp>

namespace isapi::loadgen {

class RunFolder {
public:
    // `prefix` names the folder ("isapi-swap" -> $TMPDIR/isapi-swap-PID-XXXXXX).
    // Throws std::runtime_error when it cannot be made.
    RunFolder(const std::string& prefix, bool keep) : keep_(keep) {
        std::string error;
        auto made = platform::make_private_directory(prefix, error);
        if (!made) throw std::runtime_error(error);
        path_ = *made;
    }
    ~RunFolder() {
        if (!keep_) platform::remove_tree(path_);
    }
    RunFolder(const RunFolder&) = delete;
    RunFolder& operator=(const RunFolder&) = delete;

    std::string operator/(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }
    const std::string& path() const { return path_; }

private:
    bool keep_;
    std::string path_;
};

}  // namespace isapi::loadgen
