#include "elf_image.hpp"

#include <elf.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <vector>

namespace isapi::platform {
namespace {

struct Elf32 {
    using Ehdr = Elf32_Ehdr;
    using Phdr = Elf32_Phdr;
    using Shdr = Elf32_Shdr;
};
struct Elf64 {
    using Ehdr = Elf64_Ehdr;
    using Phdr = Elf64_Phdr;
    using Shdr = Elf64_Shdr;
};

std::string bytes_of(std::uint64_t have, std::uint64_t need) {
    return std::to_string(have) + " of " + std::to_string(need) + " bytes";
}

// Reads exactly `size` bytes at `offset`. A short read means the file shrank
// since it was measured: a copy that restarted.
enum class ReadResult { ok, short_read, failed };
ReadResult read_at(int fd, void* out, std::size_t size, std::uint64_t offset) {
    auto* bytes = static_cast<char*>(out);
    while (size > 0) {
        const ssize_t n = ::pread(fd, bytes, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return ReadResult::failed;
        if (n == 0) return ReadResult::short_read;
        bytes += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
    return ReadResult::ok;
}

// The length a file needs to hold every range covered so far. Header fields
// of a corrupt file can be anything, so overflow is detected, not assumed away.
class Extent {
public:
    explicit Extent(std::uint64_t minimum) : required_(minimum) {}
    void cover(std::uint64_t offset, std::uint64_t length) {
        std::uint64_t end = 0;
        overflow_ = overflow_ || __builtin_add_overflow(offset, length, &end);
        required_ = std::max(required_, end);
    }
    void cover_table(std::uint64_t offset, std::uint64_t count, std::uint64_t entry_size) {
        if (count == 0) return;  // an empty table's offset means nothing
        std::uint64_t length = 0;
        overflow_ = overflow_ || __builtin_mul_overflow(count, entry_size, &length);
        cover(offset, length);
    }
    bool impossible() const { return overflow_; }
    std::uint64_t required() const { return required_; }

private:
    std::uint64_t required_;
    bool overflow_ = false;
};

// Reads `count` entries of `entry_size` bytes at `offset` (already known to
// lie inside the file) and hands each to `visit` as an Entry.
template <class Entry, class Visit>
ReadResult for_each_entry(int fd, std::uint64_t offset, std::uint64_t count, std::uint64_t entry_size,
                          Visit visit) {
    std::vector<char> table(static_cast<std::size_t>(count * entry_size));
    if (const auto r = read_at(fd, table.data(), table.size(), offset); r != ReadResult::ok) return r;
    for (std::uint64_t i = 0; i < count; ++i) {
        Entry entry{};  // copied out: the table's entries need not be aligned
        std::memcpy(&entry, table.data() + i * entry_size, sizeof entry);
        visit(entry);
    }
    return ReadResult::ok;
}

ModuleFileState unreadable(ReadResult r, std::uint64_t size, std::string& detail) {
    if (r == ReadResult::short_read) {
        detail = "the file shrank below " + std::to_string(size) + " bytes while it was read";
        return ModuleFileState::incomplete;
    }
    const int code = errno;
    detail = std::string("cannot read the file: ") + std::strerror(code);
    return ModuleFileState::not_a_module;
}

template <class Elf>
ModuleFileState measure(int fd, std::uint64_t size, std::string& detail) {
    using Ehdr = typename Elf::Ehdr;
    using Phdr = typename Elf::Phdr;
    using Shdr = typename Elf::Shdr;
    Ehdr header{};
    if (size < sizeof header) {
        detail = bytes_of(size, sizeof header);
        return ModuleFileState::incomplete;
    }
    if (const auto r = read_at(fd, &header, sizeof header, 0); r != ReadResult::ok) return unreadable(r, size, detail);
    if (header.e_type != ET_DYN && header.e_type != ET_EXEC) {
        detail = "an ELF file that is not a loadable image (e_type " + std::to_string(header.e_type) + ")";
        return ModuleFileState::not_a_module;
    }
    std::uint64_t phnum = header.e_phnum;
    std::uint64_t shnum = header.e_shnum;
    const bool has_sections = header.e_shoff != 0;
    if ((phnum > 0 && header.e_phentsize < sizeof(Phdr)) ||
        (has_sections && header.e_shentsize < sizeof(Shdr))) {
        detail = "an ELF file with corrupt headers (table entries too small)";
        return ModuleFileState::not_a_module;
    }

    Extent extent(sizeof header);
    // Past 0xff00 entries the real counts live in section header 0.
    if (has_sections && (shnum == 0 || phnum == PN_XNUM)) {
        extent.cover(header.e_shoff, sizeof(Shdr));
        if (!extent.impossible() && size < extent.required()) {
            detail = bytes_of(size, extent.required());
            return ModuleFileState::incomplete;
        }
        Shdr first{};
        if (const auto r = read_at(fd, &first, sizeof first, header.e_shoff); r != ReadResult::ok)
            return unreadable(r, size, detail);
        if (shnum == 0) shnum = first.sh_size;
        if (phnum == PN_XNUM) phnum = first.sh_info;
    }
    extent.cover_table(header.e_phoff, phnum, header.e_phentsize);
    if (has_sections) extent.cover_table(header.e_shoff, shnum, header.e_shentsize);
    // The tables themselves must be there before their entries can be read.
    if (!extent.impossible() && size >= extent.required()) {
        auto r = for_each_entry<Phdr>(fd, header.e_phoff, phnum, header.e_phentsize,
                                      [&](const Phdr& p) { extent.cover(p.p_offset, p.p_filesz); });
        if (r == ReadResult::ok && has_sections) {
            // .bss and friends (NOBITS) take room in memory, not in the file.
            r = for_each_entry<Shdr>(fd, header.e_shoff, shnum, header.e_shentsize, [&](const Shdr& s) {
                if (s.sh_type != SHT_NOBITS) extent.cover(s.sh_offset, s.sh_size);
            });
        }
        if (r != ReadResult::ok) return unreadable(r, size, detail);
    }
    if (extent.impossible()) {
        detail = "an ELF file with corrupt headers (offsets beyond any file size)";
        return ModuleFileState::not_a_module;
    }
    if (size < extent.required()) {
        detail = bytes_of(size, extent.required());
        return ModuleFileState::incomplete;
    }
    return ModuleFileState::complete;
}

}  // namespace

ModuleFileState elf_file_state(int fd, std::uint64_t size, std::string& detail) {
    unsigned char ident[EI_NIDENT]{};
    const std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(size, EI_NIDENT));
    if (const auto r = read_at(fd, ident, have, 0); r != ReadResult::ok) return unreadable(r, size, detail);
    // A copy in progress may have written only the first few bytes (or none):
    // what is there must agree with the magic, the rest is yet to come.
    if (std::memcmp(ident, ELFMAG, std::min<std::size_t>(have, SELFMAG)) != 0) {
        detail = "not an ELF file";
        return ModuleFileState::not_a_module;
    }
    constexpr unsigned char native_order = std::endian::native == std::endian::little ? ELFDATA2LSB : ELFDATA2MSB;
    if (have > EI_DATA && ident[EI_DATA] != native_order) {
        detail = "an ELF file of the other byte order";
        return ModuleFileState::not_a_module;
    }
    if (have <= EI_CLASS) {
        detail = std::to_string(size) + " of at least " + std::to_string(sizeof(Elf32_Ehdr)) + " bytes";
        return ModuleFileState::incomplete;
    }
    switch (ident[EI_CLASS]) {
        case ELFCLASS32: return measure<Elf32>(fd, size, detail);
        case ELFCLASS64: return measure<Elf64>(fd, size, detail);
        default:
            detail = "an ELF file of unknown class " + std::to_string(ident[EI_CLASS]);
            return ModuleFileState::not_a_module;
    }
}

}  // namespace isapi::platform
