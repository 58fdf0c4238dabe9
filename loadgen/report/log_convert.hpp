#pragma once
// Reads a binary per-request log: into the CSV one (convert-log
// subcommand), or record by record (the swap's analysis).
#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "../stats/request_record.hpp"

namespace isapi::loadgen {

// Streams `in` to `out` with constant memory. Returns the number of records,
// or -1 with the reason in `error` (bad magic, truncated or corrupt item).
// Called once per record, in file order, with the record's build value.
using BinaryRecordSink = std::function<void(const RequestRecord&, std::string_view build)>;

// Streams `in` to `sink` with constant memory. Returns the number of records,
// or -1 with the reason in `error` (bad magic, truncated or corrupt item).
long long read_binary_log(std::istream& in, const BinaryRecordSink& sink, std::string& error);

long long convert_binary_log(std::istream& in, std::ostream& out, std::string& error);

}  // namespace isapi::loadgen
