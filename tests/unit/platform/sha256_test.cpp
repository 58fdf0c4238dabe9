#include <isapi/platform/sha256.hpp>

#include <catch2/catch.hpp>

#include <string>

using isapi::platform::Sha256;
using isapi::platform::sha256_hex;
using isapi::platform::to_hex;

// Vectors from FIPS 180-4's examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
TEST_CASE("SHA-256 of \"abc\" matches the FIPS 180-4 example", "[sha256]") {
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("SHA-256 of the empty string matches the standard digest", "[sha256]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("SHA-256 of the 448-bit two-block message matches the FIPS 180-4 example", "[sha256]") {
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("SHA-256 of one million 'a' matches the standard digest", "[sha256]") {
    CHECK(sha256_hex(std::string(1'000'000, 'a')) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("SHA-256 gives the same digest however the input is split", "[sha256]") {
    const std::string text = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq and some more bytes past 64";
    const std::string whole = sha256_hex(text);
    for (std::size_t piece : {1u, 3u, 55u, 56u, 63u, 64u, 65u}) {
        Sha256 hash;
        for (std::size_t at = 0; at < text.size(); at += piece) hash.update(std::string_view(text).substr(at, piece));
        CHECK(to_hex(hash.finish()) == whole);
    }
}

TEST_CASE("SHA-256 pads messages whose length falls at the block boundaries", "[sha256]") {
    // 55 bytes fit the length in one block, 56 need a second one.
    CHECK(sha256_hex(std::string(55, 'a')) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
    CHECK(sha256_hex(std::string(56, 'a')) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
    CHECK(sha256_hex(std::string(64, 'a')) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("a finished SHA-256 starts over for the next message", "[sha256]") {
    Sha256 hash;
    hash.update("abc");
    hash.finish();
    hash.update("abc");
    CHECK(to_hex(hash.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
