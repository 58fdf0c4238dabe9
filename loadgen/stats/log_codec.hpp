#pragma once
// The two encodings of the per-request log.
//
// CSV: one header line (kCsvHeader), then one row per request. Times are
// integer nanoseconds since the run started on the steady clock, -1 when the
// moment never happened. `build` is the X-Isapi-Build value, quoted when it
// holds a comma or a quote.
//
// Binary (little-endian), for long runs where CSV formatting or size hurts:
//   file   := "ILGLOG2\n" item*
//   item   := 'B' u16 thread u16 build_id u16 length byte[length]   (defines a build value)
//           | 'R' i64 intended i64 sent i64 first_byte i64 done u64 bytes
//                 u32 connection u16 status u16 thread u16 build_id u8 class
//                 u32 request   (56 bytes)
// "ILGLOG1\n" files (before the request index) have 52-byte records without
// `request`; they are still read, with every request 0.
// build_id 0 means "no build header"; other ids are defined by a 'B' item of the
// same thread before first use, and a later 'B' item may define the id again
// (the writer reuses a few ids, as uncached mode names a new load per request). `isapi-loadgen convert-log` turns it into the CSV.
#include <cstdint>
#include <string>
#include <string_view>

#include "request_record.hpp"

namespace isapi::loadgen {

inline constexpr std::string_view kCsvHeader =
    "intended_ns,sent_ns,first_byte_ns,done_ns,status,bytes,class,thread,connection,build,request\n";
inline constexpr std::string_view kBinaryMagic = "ILGLOG2\n";
inline constexpr std::string_view kBinaryMagicV1 = "ILGLOG1\n";
inline constexpr std::size_t kBinaryRecordSizeV1 = 1 + 8 * 5 + 4 + 2 * 3 + 1;
inline constexpr std::size_t kBinaryRecordSize = kBinaryRecordSizeV1 + 4;

void append_csv_row(std::string& out, const RequestRecord& r, std::string_view build);
void append_binary_build(std::string& out, std::uint16_t thread, std::uint16_t id, std::string_view build);
void append_binary_record(std::string& out, const RequestRecord& r, std::uint16_t build_id);

// Decoding, for the converter. Each returns false on truncated input.
bool read_binary_build(std::string_view in, std::uint16_t& thread, std::uint16_t& id,
                       std::string_view& build, std::size_t& used);
// `version` 1 reads the older record without the request index.
bool read_binary_record(std::string_view in, RequestRecord& r, std::uint16_t& build_id, int version = 2);

}  // namespace isapi::loadgen
