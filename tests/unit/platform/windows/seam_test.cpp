// The Windows implementation of the OS seam, against the real OS (Wine in
// CI): a built extension DLL, copies of it under a non-ASCII name, and
// truncated copies.
#include <isapi/platform/file_stamp.hpp>
#include <isapi/platform/files.hpp>
#include <isapi/platform/module_loader.hpp>

#include "../test_files.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

using namespace isapi::platform;
using isapi::test::read_file;
using isapi::test::TempFolder;
using isapi::test::write_file;

namespace {

// UTF-8 on the seam: a name the ANSI code page cannot spell. Only the seam
// sees it; the test helpers (std::fstream, TempFolder's operator/) take
// narrow paths in the ANSI code page and get ASCII names.
const std::string kWideName = "h\xC3\xA4llo-\xE6\xA8\xA1\xE5\x9D\x97.dll";

std::string wide_path(const TempFolder& folder) { return folder.path().string() + "\\" + kWideName; }

std::string copy_of_hello(const TempFolder& folder, const std::string& name) {
    std::string error;
    const std::string path = name == kWideName ? wide_path(folder) : folder / name;
    INFO(error);
    REQUIRE(copy_file_atomically(ISAPI_SAMPLE_HELLO, path, error));
    return path;
}

}  // namespace

TEST_CASE("a DLL under a non-ASCII name loads, resolves its entry points and leaves on close", "[windows][module-loader]") {
    TempFolder folder;
    const std::string path = copy_of_hello(folder, kWideName);
    auto& loader = system_module_loader();
    std::string error;
    ModuleHandle module = loader.open(path, error);
    INFO(error);
    REQUIRE(module != nullptr);
    void* proc = loader.symbol(module, "HttpExtensionProc");
    CHECK(proc != nullptr);
    CHECK(loader.symbol(module, "GetExtensionVersion") != nullptr);
    CHECK(loader.symbol(module, "NoSuchEntryPoint") == nullptr);
    CHECK(loader.still_loaded(path, proc));
    CHECK_FALSE(loader.still_loaded(folder / "other.dll", proc));
    REQUIRE(loader.close(module, error));
    CHECK_FALSE(loader.still_loaded(path, proc));
}

TEST_CASE("a DLL loaded twice stays until its last reference is closed", "[windows][module-loader]") {
    TempFolder folder;
    const std::string path = copy_of_hello(folder, "twice.dll");
    auto& loader = system_module_loader();
    std::string error;
    ModuleHandle first = loader.open(path, error);
    ModuleHandle second = loader.open(path, error);
    REQUIRE(first != nullptr);
    REQUIRE(second == first);
    void* proc = loader.symbol(first, "HttpExtensionProc");
    REQUIRE(loader.close(first, error));
    CHECK(loader.still_loaded(path, proc));
    REQUIRE(loader.close(second, error));
    CHECK_FALSE(loader.still_loaded(path, proc));
}

TEST_CASE("loading a missing or truncated DLL fails with the system's reason", "[windows][module-loader]") {
    TempFolder folder;
    std::string error;
    CHECK(system_module_loader().open(folder / "absent.dll", error) == nullptr);
    CHECK(error.find("(error 126)") != std::string::npos);  // ERROR_MOD_NOT_FOUND
    const std::string module = read_file(ISAPI_SAMPLE_HELLO);
    write_file(folder / "half.dll", module.substr(0, module.size() / 2));
    error.clear();
    CHECK(system_module_loader().open(folder / "half.dll", error) == nullptr);
    CHECK_FALSE(error.empty());
}

TEST_CASE("a built DLL is complete and every truncated copy of it is incomplete", "[windows][module-state]") {
    TempFolder folder;
    std::string detail;
    CHECK(module_file_state(ISAPI_SAMPLE_HELLO, detail) == ModuleFileState::complete);
    CHECK(detail.empty());
    const std::string module = read_file(ISAPI_SAMPLE_HELLO);
    REQUIRE(module.size() > 4096);
    const std::string copy = folder / "copy.dll";
    for (std::size_t cut = 0; cut < module.size(); cut += 509) {
        write_file(copy, module.substr(0, cut));
        INFO("cut at " << cut << " of " << module.size());
        CHECK(module_file_state(copy, detail) == ModuleFileState::incomplete);
        INFO(detail);
        if (cut < 64) CHECK(detail == std::to_string(cut) + " of at least 64 bytes");
    }
    write_file(copy, module.substr(0, module.size() - 1));
    CHECK(module_file_state(copy, detail) == ModuleFileState::incomplete);
    CHECK(detail == std::to_string(module.size() - 1) + " of " + std::to_string(module.size()) + " bytes");
    write_file(copy, module);
    CHECK(module_file_state(copy, detail) == ModuleFileState::complete);
}

TEST_CASE("a missing file is missing and other files are no modules", "[windows][module-state]") {
    TempFolder folder;
    std::string detail;
    CHECK(module_file_state(folder / "absent.dll", detail) == ModuleFileState::missing);
    CHECK(detail == "no such file");
    write_file(folder / "text.dll", "hello, no module at all\n");
    CHECK(module_file_state(folder / "text.dll", detail) == ModuleFileState::not_a_module);
    CHECK(detail == "not a PE file");
    std::string dos_only(128, '\0');
    dos_only[0] = 'M';
    dos_only[1] = 'Z';
    dos_only[0x3C] = 64;
    write_file(folder / "dos.exe", dos_only);
    CHECK(module_file_state(folder / "dos.exe", detail) == ModuleFileState::not_a_module);
    CHECK(detail == "an MZ file that is not a PE image");
    CHECK(module_file_state(folder.path().string(), detail) == ModuleFileState::not_a_module);
}

TEST_CASE("a file stamp names the file and changes when it is replaced or rewritten", "[windows][file-stamp]") {
    TempFolder folder;
    const std::string path = wide_path(folder);
    write_file(folder / "first", "first");
    std::string error;
    REQUIRE(copy_file_atomically(folder / "first", path, error));
    const auto first = file_stamp(path, error);
    INFO(error);
    REQUIRE(first);
    CHECK(first->size == 5);
    CHECK(file_stamp(path, error) == first);

    write_file(folder / "next", "second!");
    REQUIRE(copy_file_atomically(folder / "next", path, error));
    const auto replaced = file_stamp(path, error);
    REQUIRE(replaced);
    CHECK(replaced->inode != first->inode);
    CHECK(replaced->size == 7);
    CHECK(replaced->changed_ns >= first->changed_ns);

    CHECK_FALSE(file_stamp(folder / "absent", error));
    CHECK(error.find("(error 2)") != std::string::npos);  // ERROR_FILE_NOT_FOUND
}

TEST_CASE("copy_file_atomically leaves no temporary behind, whether it succeeds or not", "[windows][files]") {
    TempFolder folder;
    std::string error;
    copy_of_hello(folder, "copy.dll");
    CHECK_FALSE(copy_file_atomically(folder / "absent", folder / "copy.dll", error));
    CHECK(error.find("cannot read") == 0);
    std::size_t names = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder.path())) ++names;
    CHECK(names == 1);
    CHECK(read_file(folder / "copy.dll") == read_file(ISAPI_SAMPLE_HELLO));
}
