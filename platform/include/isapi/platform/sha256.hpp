#pragma once
// SHA-256 (FIPS 180-4): the build identity of a loaded module, computed by
// the host and matched by the load generator, so both live here, below
// them. Small, dependency-free, streaming. Not constant-time; it hashes
// public files.
#include <array>
#include <optional>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace isapi::platform {

class Sha256 {
public:
    using Digest = std::array<std::uint8_t, 32>;

    Sha256();
    void update(std::span<const std::uint8_t> bytes);
    void update(std::string_view text);
    // Pads and returns the digest; the object is then reset for a new message.
    Digest finish();

private:
    void compress(const std::uint8_t* block);

    std::array<std::uint32_t, 8> state_;
    std::array<std::uint8_t, 64> pending_{};
    std::size_t pending_size_ = 0;
    std::uint64_t total_bytes_ = 0;
};

// Lower-case hex of any bytes.
std::string to_hex(std::span<const std::uint8_t> bytes);

// Hex digest of `text`.
std::string sha256_hex(std::string_view text);

// Hex digest of the file's bytes; nullopt when it cannot be read.
std::optional<std::string> sha256_file(const std::string& path);

}  // namespace isapi::platform
