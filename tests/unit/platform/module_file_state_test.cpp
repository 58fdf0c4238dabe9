#include <isapi/platform/files.hpp>

#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <elf.h>

#include <bit>
#include <cstring>
#include <limits>
#include <vector>

using namespace isapi::platform;
using isapi::test::read_file;
using isapi::test::TempFolder;
using isapi::test::write_file;

namespace {

constexpr unsigned char kNativeOrder = std::endian::native == std::endian::little ? ELFDATA2LSB : ELFDATA2MSB;

struct Verdict {
    ModuleFileState state;
    std::string detail;
};

Verdict state_of(const std::string& path) {
    Verdict verdict{};
    verdict.state = module_file_state(path, verdict.detail);
    return verdict;
}

template <class T>
void put(std::string& image, std::size_t offset, const T& value) {
    if (image.size() < offset + sizeof value) image.resize(offset + sizeof value, '\0');
    std::memcpy(image.data() + offset, &value, sizeof value);
}

template <class Ehdr>
Ehdr elf_header(unsigned char elf_class) {
    Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = elf_class;
    header.e_ident[EI_DATA] = kNativeOrder;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = ET_DYN;
    header.e_version = EV_CURRENT;
    header.e_ehsize = sizeof header;
    return header;
}

// An ELF64 image of 448 bytes: header, two sections' worth of room, and a
// section header table of three entries at 256 (NULL, PROGBITS, NOBITS).
std::string elf64_with_sections(std::uint64_t progbits_size) {
    auto header = elf_header<Elf64_Ehdr>(ELFCLASS64);
    header.e_shoff = 256;
    header.e_shnum = 3;
    header.e_shentsize = sizeof(Elf64_Shdr);
    std::string image;
    put(image, 0, header);
    Elf64_Shdr progbits{};
    progbits.sh_type = SHT_PROGBITS;
    progbits.sh_offset = 128;
    progbits.sh_size = progbits_size;
    Elf64_Shdr bss{};
    bss.sh_type = SHT_NOBITS;
    bss.sh_offset = 192;
    bss.sh_size = 100'000;
    put(image, 256, Elf64_Shdr{});
    put(image, 256 + sizeof(Elf64_Shdr), progbits);
    put(image, 256 + 2 * sizeof(Elf64_Shdr), bss);
    return image;
}

}  // namespace

TEST_CASE("a built module is complete", "[files][module-state]") {
    const Verdict verdict = state_of(ISAPI_SAMPLE_HELLO);
    CHECK(verdict.state == ModuleFileState::complete);
    CHECK(verdict.detail.empty());
}

TEST_CASE("every truncated copy of a built module is incomplete and says how much is there", "[files][module-state]") {
    TempFolder folder;
    const std::string module = read_file(ISAPI_SAMPLE_HELLO);
    REQUIRE(module.size() > 4096);
    std::vector<std::size_t> cuts{0, 1, 3, 4, 5, 10, 16, 51, 52, 63, 64, 65, 100, 1000, module.size() / 2,
                                  module.size() - 64, module.size() - 1};
    for (std::size_t cut = 0; cut < module.size(); cut += 397) cuts.push_back(cut);

    const std::string copy = folder / "copy.so";
    for (const std::size_t cut : cuts) {
        write_file(copy, module.substr(0, cut));
        const Verdict verdict = state_of(copy);
        INFO("cut at " << cut << " of " << module.size() << ": " << verdict.detail);
        CHECK(verdict.state == ModuleFileState::incomplete);
        if (cut <= EI_CLASS) {
            CHECK(verdict.detail == std::to_string(cut) + " of at least 52 bytes");
        } else if (cut < sizeof(Elf64_Ehdr)) {
            CHECK(verdict.detail == std::to_string(cut) + " of 64 bytes");
        } else {
            // The linker puts the section header table last, so once the
            // header is there the whole file size is known.
            CHECK(verdict.detail == std::to_string(cut) + " of " + std::to_string(module.size()) + " bytes");
        }
    }
    write_file(copy, module);
    CHECK(state_of(copy).state == ModuleFileState::complete);
}

TEST_CASE("a missing file is missing", "[files][module-state]") {
    TempFolder folder;
    const Verdict verdict = state_of(folder / "absent.so");
    CHECK(verdict.state == ModuleFileState::missing);
    CHECK(verdict.detail == "no such file");
}

TEST_CASE("files that are not ELF images are not modules, however short", "[files][module-state]") {
    TempFolder folder;
    const std::vector<std::string> texts{"hello, this is a text file and no module at all\n", "#!", "\x7f" "EL!",
                                         std::string(100, '\0')};
    for (const std::string& text : texts) {
        write_file(folder / "file", text);
        const Verdict verdict = state_of(folder / "file");
        INFO(text);
        CHECK(verdict.state == ModuleFileState::not_a_module);
        CHECK(verdict.detail == "not an ELF file");
    }
    CHECK(state_of(folder.path().string()).state == ModuleFileState::not_a_module);
}

TEST_CASE("ELF files that are no loadable image of this platform are not modules", "[files][module-state]") {
    TempFolder folder;
    const std::string module = read_file(ISAPI_SAMPLE_HELLO);
    SECTION("a relocatable object") {
        std::string object = module;
        put(object, offsetof(Elf64_Ehdr, e_type), static_cast<Elf64_Half>(ET_REL));
        write_file(folder / "file", object);
        const Verdict verdict = state_of(folder / "file");
        CHECK(verdict.state == ModuleFileState::not_a_module);
        CHECK(verdict.detail == "an ELF file that is not a loadable image (e_type 1)");
    }
    SECTION("the other byte order") {
        std::string swapped = module.substr(0, 8);
        swapped[EI_DATA] = kNativeOrder == ELFDATA2LSB ? ELFDATA2MSB : ELFDATA2LSB;
        write_file(folder / "file", swapped);
        CHECK(state_of(folder / "file").state == ModuleFileState::not_a_module);
    }
    SECTION("an unknown class") {
        std::string odd = module;
        odd[EI_CLASS] = 7;
        write_file(folder / "file", odd);
        CHECK(state_of(folder / "file").detail == "an ELF file of unknown class 7");
    }
    SECTION("headers whose tables end beyond any possible file") {
        std::string corrupt = module;
        put(corrupt, offsetof(Elf64_Ehdr, e_shoff), std::numeric_limits<Elf64_Off>::max() - 8);
        write_file(folder / "file", corrupt);
        CHECK(state_of(folder / "file").state == ModuleFileState::not_a_module);
    }
}

TEST_CASE("an ELF32 image is measured by its own header and program headers", "[files][module-state]") {
    TempFolder folder;
    auto header = elf_header<Elf32_Ehdr>(ELFCLASS32);
    header.e_phoff = sizeof header;
    header.e_phnum = 1;
    header.e_phentsize = sizeof(Elf32_Phdr);
    Elf32_Phdr segment{};
    segment.p_type = PT_LOAD;
    segment.p_offset = 0;
    segment.p_filesz = 300;
    std::string image;
    put(image, 0, header);
    put(image, sizeof header, segment);
    image.resize(300, '\x5a');

    write_file(folder / "image32.so", image);
    CHECK(state_of(folder / "image32.so").state == ModuleFileState::complete);
    write_file(folder / "image32.so", image.substr(0, 299));
    const Verdict short_by_one = state_of(folder / "image32.so");
    CHECK(short_by_one.state == ModuleFileState::incomplete);
    CHECK(short_by_one.detail == "299 of 300 bytes");
    write_file(folder / "image32.so", image.substr(0, 60));
    CHECK(state_of(folder / "image32.so").detail == "60 of 84 bytes");  // the program header itself is missing
}

TEST_CASE("sections count up to their end in the file, except NOBITS ones (.bss)", "[files][module-state]") {
    TempFolder folder;
    // The NOBITS section claims 100000 bytes from 192 on: ignored.
    write_file(folder / "image.so", elf64_with_sections(64));
    CHECK(state_of(folder / "image.so").state == ModuleFileState::complete);
    // A PROGBITS section that reaches past the section header table.
    write_file(folder / "image.so", elf64_with_sections(1000));
    const Verdict verdict = state_of(folder / "image.so");
    CHECK(verdict.state == ModuleFileState::incomplete);
    CHECK(verdict.detail == "448 of 1128 bytes");
}
