#include <isapi/platform/file_stamp.hpp>
#include <isapi/platform/files.hpp>

#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>

using namespace isapi::platform;
using isapi::test::read_file;
using isapi::test::TempFolder;
using isapi::test::write_file;

namespace {

std::set<std::string> names_in(const std::filesystem::path& folder) {
    std::set<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) names.insert(entry.path().filename());
    return names;
}

unsigned permissions_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// Root ignores permission bits, so as root the copy runs in a child process
// that has become "nobody" first; otherwise it runs here.
bool copy_without_privileges(const std::string& from, const std::string& to, std::string& error) {
    if (::geteuid() != 0) return copy_file_atomically(from, to, error);
    int pipe_ends[2];
    REQUIRE(::pipe(pipe_ends) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(pipe_ends[0]);
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
        std::string child_error;
        const bool ok = copy_file_atomically(from, to, child_error);
        [[maybe_unused]] auto written = ::write(pipe_ends[1], child_error.data(), child_error.size());
        ::_exit(ok ? 0 : 1);
    }
    ::close(pipe_ends[1]);
    char buffer[1024];
    ssize_t n = 0;
    while ((n = ::read(pipe_ends[0], buffer, sizeof buffer)) > 0) error.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_ends[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) != 2);  // could not drop privileges: the test proves nothing
    return WEXITSTATUS(status) == 0;
}

// Sets an environment variable for one scope and puts the old value back.
class EnvironmentScope {
public:
    EnvironmentScope(const char* name, const std::string& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value.c_str(), 1);
    }
    ~EnvironmentScope() {
        if (old_) ::setenv(name_, old_->c_str(), 1);
        else ::unsetenv(name_);
    }
    EnvironmentScope(const EnvironmentScope&) = delete;
    EnvironmentScope& operator=(const EnvironmentScope&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("copy_file_atomically copies the bytes and the permission bits, and leaves no temporary", "[files]") {
    TempFolder folder;
    std::string bytes(200'000, '\0');
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + i / 1000);
    write_file(folder / "module.so", bytes);
    REQUIRE(::chmod((folder / "module.so").c_str(), 0751) == 0);

    std::string error;
    REQUIRE(copy_file_atomically(folder / "module.so", folder / "copy.so", error));
    CHECK(read_file(folder / "copy.so") == bytes);
    CHECK(permissions_of(folder / "copy.so") == 0751);
    CHECK(names_in(folder.path()) == std::set<std::string>{"module.so", "copy.so"});
}

TEST_CASE("copy_file_atomically replaces the destination by rename, so readers of the old file keep the old bytes",
          "[files]") {
    TempFolder folder;
    write_file(folder / "new.so", "new bytes");
    write_file(folder / "live.so", "old bytes");
    std::ifstream reader(folder / "live.so", std::ios::binary);

    std::string error;
    REQUIRE(copy_file_atomically(folder / "new.so", folder / "live.so", error));
    CHECK(read_file(folder / "live.so") == "new bytes");
    std::string seen(9, '\0');
    reader.read(seen.data(), 9);
    CHECK(seen == "old bytes");
}

TEST_CASE("copying a missing source fails, names the file, and leaves the destination untouched", "[files]") {
    TempFolder folder;
    write_file(folder / "live.so", "old bytes");
    std::string error;
    CHECK_FALSE(copy_file_atomically(folder / "absent.so", folder / "live.so", error));
    CHECK(error == "cannot read " + (folder / "absent.so") + ": No such file or directory");
    CHECK(read_file(folder / "live.so") == "old bytes");
    CHECK(names_in(folder.path()) == std::set<std::string>{"live.so"});
}

TEST_CASE("copying into a folder that cannot be written fails and leaves the destination untouched", "[files]") {
    TempFolder folder;
    // Open to "nobody" except for the locked folder, which nobody may write.
    REQUIRE(::chmod(folder.path().c_str(), 0755) == 0);
    write_file(folder / "new.so", "new bytes");
    REQUIRE(::chmod((folder / "new.so").c_str(), 0644) == 0);
    const std::string locked = folder / "locked";
    REQUIRE(std::filesystem::create_directory(locked));
    write_file(locked + "/live.so", "old bytes");
    REQUIRE(::chmod(locked.c_str(), 0555) == 0);

    std::string error;
    CHECK_FALSE(copy_without_privileges(folder / "new.so", locked + "/live.so", error));
    CHECK(error == "cannot create a temporary file in " + locked + " for " + locked + "/live.so: Permission denied");
    CHECK(read_file(locked + "/live.so") == "old bytes");
    CHECK(names_in(locked) == std::set<std::string>{"live.so"});
}

TEST_CASE("a copy that fails after the temporary was written removes the temporary", "[files]") {
    TempFolder folder;
    write_file(folder / "new.so", "new bytes");
    // A destination that is a folder with something in it cannot be renamed over.
    const std::string target = folder / "target.so";
    REQUIRE(std::filesystem::create_directory(target));
    write_file(target + "/keep", "kept");

    std::string error;
    CHECK_FALSE(copy_file_atomically(folder / "new.so", target, error));
    CHECK(error.rfind("cannot rename " + folder.path().string() + "/.target.so.tmp-", 0) == 0);
    CHECK(error.find(" to " + target + ": Is a directory") != std::string::npos);
    CHECK(names_in(folder.path()) == std::set<std::string>{"new.so", "target.so"});
    CHECK(read_file(target + "/keep") == "kept");
}

TEST_CASE("copying something that is not a regular file is refused", "[files]") {
    TempFolder folder;
    std::string error;
    CHECK_FALSE(copy_file_atomically(folder.path().string(), folder / "copy.so", error));
    CHECK(error == "cannot copy " + folder.path().string() + ": not a regular file");
    CHECK(names_in(folder.path()).empty());
}

TEST_CASE("make_private_directory makes a fresh 0700 folder under TMPDIR named by prefix and pid", "[files]") {
    TempFolder base;
    EnvironmentScope tmpdir("TMPDIR", base.path().string());
    std::string error;
    const auto first = make_private_directory("isapi-shadow", error);
    const auto second = make_private_directory("isapi-shadow", error);
    INFO(error);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(*first != *second);
    const std::string expected_start = base / ("isapi-shadow-" + std::to_string(::getpid()) + "-");
    CHECK(first->rfind(expected_start, 0) == 0);
    CHECK(std::filesystem::is_directory(*first));
    CHECK(permissions_of(*first) == 0700);
}

TEST_CASE("make_private_directory reports why it cannot make the folder", "[files]") {
    EnvironmentScope tmpdir("TMPDIR", "/nonexistent/isapi-tmp");
    std::string error;
    CHECK_FALSE(make_private_directory("isapi-shadow", error));
    CHECK(error == "cannot create a folder in /nonexistent/isapi-tmp: No such file or directory");
}

TEST_CASE("remove_tree removes a folder with everything in it and ignores a missing one", "[files]") {
    TempFolder base;
    const std::string tree = base / "tree";
    std::filesystem::create_directories(tree + "/a/b");
    write_file(tree + "/a/b/file", "x");
    write_file(tree + "/top", "y");
    remove_tree(tree);
    CHECK_FALSE(std::filesystem::exists(tree));
    remove_tree(tree);
    CHECK(names_in(base.path()).empty());
}

namespace {
int mapped_here() { return 42; }  // code of this test executable
}  // namespace

TEST_CASE("mapped_file_id names the file mapped at an address, whatever its path names now", "[files]") {
    struct stat self {};
    REQUIRE(::stat("/proc/self/exe", &self) == 0);
    const auto id = isapi::platform::mapped_file_id(reinterpret_cast<const void*>(&mapped_here));
    REQUIRE(id);
    CHECK(id->device == static_cast<std::uint64_t>(self.st_dev));
    CHECK(id->inode == static_cast<std::uint64_t>(self.st_ino));
    CHECK(mapped_here() == 42);
    int on_the_stack = 0;
    CHECK_FALSE(isapi::platform::mapped_file_id(&on_the_stack));  // anonymous memory maps no file
}
