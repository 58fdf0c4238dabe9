#pragma once
// Small file helpers shared by the platform tests: a private folder removed
// at the end of the test, whole-file reads and writes, and a count of this
// process's open descriptors.
#include <isapi/platform/files.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace isapi::test {

class TempFolder {
public:
    TempFolder() {
        std::string error;
        auto made = platform::make_private_directory("isapi-platform-test", error);
        INFO(error);
        REQUIRE(made);
        path_ = *made;
    }
    ~TempFolder() { platform::remove_tree(path_.string()); }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;

    std::string operator/(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    REQUIRE(out.good());
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Entries of /proc/self/fd, the listing's own descriptor included.
inline std::size_t open_descriptor_count() {
    std::size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
    return count;
}

}  // namespace isapi::test
