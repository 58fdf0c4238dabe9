#include "pe_image.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

namespace isapi::platform {
namespace {

// Offsets from the PE/COFF specification; the SDK's structs would do as
// well, but a file being checked cannot be trusted to hold whole ones.
constexpr std::uint64_t kDosHeaderSize = 64;
constexpr std::uint64_t kNewHeaderOffsetField = 0x3C;  // e_lfanew
constexpr std::uint64_t kSignatureSize = 4;            // "PE\0\0"
constexpr std::uint64_t kCoffHeaderSize = 20;
constexpr std::uint64_t kSectionHeaderSize = 40;
constexpr std::uint64_t kSizeOfHeadersField = 60;  // in the optional header, PE32 and PE32+ alike
constexpr std::uint16_t kPe32Magic = 0x10b;
constexpr std::uint16_t kPe32PlusMagic = 0x20b;
constexpr std::uint32_t kSecurityDirectory = 4;  // its "address" is a file offset, unlike the others
#if defined(_M_ARM64) || defined(__aarch64__)
constexpr std::uint16_t kThisMachine = 0xAA64;
#else
constexpr std::uint16_t kThisMachine = 0x8664;  // IMAGE_FILE_MACHINE_AMD64
#endif
// Far more than any real image's header offset: a larger one is garbage.
constexpr std::uint32_t kLargestHeaderOffset = 1u << 24;

bool read_at(HANDLE file, std::uint64_t offset, void* buffer, std::size_t size) {
    OVERLAPPED at{};
    at.Offset = static_cast<DWORD>(offset);
    at.OffsetHigh = static_cast<DWORD>(offset >> 32);
    DWORD read = 0;
    return ::ReadFile(file, buffer, static_cast<DWORD>(size), &read, &at) && read == size;
}

template <class T>
T field(const std::vector<unsigned char>& bytes, std::size_t offset) {
    T value{};
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;  // PE is little-endian, as every Windows machine is
}

ModuleFileState short_of(std::uint64_t size, std::uint64_t needed, std::string& detail) {
    detail = std::to_string(size) + " of " + std::to_string(needed) + " bytes";
    return ModuleFileState::incomplete;
}

ModuleFileState not_a_module(std::string reason, std::string& detail) {
    detail = std::move(reason);
    return ModuleFileState::not_a_module;
}

}  // namespace

ModuleFileState pe_file_state(HANDLE file, std::uint64_t size, std::string& detail) {
    detail.clear();
    char magic[2] = {};
    if (size >= 2 && (!read_at(file, 0, magic, 2) || magic[0] != 'M' || magic[1] != 'Z')) {
        return not_a_module("not a PE file", detail);
    }
    if (size < kDosHeaderSize) {
        detail = std::to_string(size) + " of at least " + std::to_string(kDosHeaderSize) + " bytes";
        return ModuleFileState::incomplete;
    }
    std::uint32_t pe_offset = 0;
    if (!read_at(file, kNewHeaderOffsetField, &pe_offset, sizeof pe_offset)) return not_a_module("cannot read the headers", detail);
    if (pe_offset > kLargestHeaderOffset) return not_a_module("a PE file whose headers lie beyond any possible file", detail);

    // Signature and COFF header.
    const std::uint64_t coff_end = std::uint64_t{pe_offset} + kSignatureSize + kCoffHeaderSize;
    if (size < coff_end) return short_of(size, coff_end, detail);
    std::vector<unsigned char> coff(kSignatureSize + kCoffHeaderSize);
    if (!read_at(file, pe_offset, coff.data(), coff.size())) return not_a_module("cannot read the headers", detail);
    if (std::memcmp(coff.data(), "PE\0\0", 4) != 0) return not_a_module("an MZ file that is not a PE image", detail);
    const auto machine = field<std::uint16_t>(coff, 4);
    const auto section_count = field<std::uint16_t>(coff, 6);
    const auto symbol_table = field<std::uint32_t>(coff, 12);
    const auto symbol_count = field<std::uint32_t>(coff, 16);
    const auto optional_size = field<std::uint16_t>(coff, 20);
    if (machine != kThisMachine) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%04x", machine);
        return not_a_module(std::string("a PE image for another machine (") + hex + ")", detail);
    }

    // Optional header and section table, which end the headers.
    const std::uint64_t optional_end = coff_end + optional_size;
    const std::uint64_t table_end = optional_end + std::uint64_t{section_count} * kSectionHeaderSize;
    if (size < table_end) return short_of(size, table_end, detail);
    std::vector<unsigned char> headers(static_cast<std::size_t>(table_end - coff_end));
    if (!headers.empty() && !read_at(file, coff_end, headers.data(), headers.size())) {
        return not_a_module("cannot read the headers", detail);
    }
    if (optional_size < kSizeOfHeadersField + 4) return not_a_module("a PE file without an image header", detail);
    const auto optional_magic = field<std::uint16_t>(headers, 0);
    if (optional_magic != kPe32Magic && optional_magic != kPe32PlusMagic) {
        return not_a_module("a PE file with an unknown image header", detail);
    }
    std::uint64_t needed = std::max<std::uint64_t>(table_end, field<std::uint32_t>(headers, kSizeOfHeadersField));

    // Every section's bytes in the file (uninitialised data has none).
    for (std::uint32_t i = 0; i < section_count; ++i) {
        const std::size_t entry = optional_size + i * kSectionHeaderSize;
        const auto raw_size = field<std::uint32_t>(headers, entry + 16);
        const auto raw_offset = field<std::uint32_t>(headers, entry + 20);
        if (raw_size > 0) needed = std::max<std::uint64_t>(needed, std::uint64_t{raw_offset} + raw_size);
    }
    // The Authenticode signature, appended after the sections by signing.
    const std::size_t directories = optional_magic == kPe32PlusMagic ? 112 : 96;
    const std::size_t directory_count_field = directories - 4;
    const std::size_t security = directories + kSecurityDirectory * 8;
    if (optional_size >= security + 8 && field<std::uint32_t>(headers, directory_count_field) > kSecurityDirectory) {
        const auto offset = field<std::uint32_t>(headers, security);
        const auto length = field<std::uint32_t>(headers, security + 4);
        if (length > 0) needed = std::max<std::uint64_t>(needed, std::uint64_t{offset} + length);
    }
    // The COFF symbol table and its string table, which unstripped MinGW
    // images carry after their sections; the string table starts with its
    // own length.
    if (symbol_table != 0) {
        constexpr std::uint64_t kSymbolSize = 18;
        const std::uint64_t strings = std::uint64_t{symbol_table} + std::uint64_t{symbol_count} * kSymbolSize;
        needed = std::max<std::uint64_t>(needed, strings + 4);
        std::uint32_t strings_size = 0;
        if (size >= strings + 4 && read_at(file, strings, &strings_size, sizeof strings_size)) {
            needed = std::max<std::uint64_t>(needed, strings + strings_size);
        }
    }
    if (size < needed) return short_of(size, needed, detail);
    return ModuleFileState::complete;
}

}  // namespace isapi::platform
