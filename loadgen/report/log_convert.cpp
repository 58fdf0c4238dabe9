#include "log_convert.hpp"

#include <map>
#include <utility>

#include "../stats/log_codec.hpp"

namespace isapi::loadgen {

long long read_binary_log(std::istream& in, const BinaryRecordSink& sink, std::string& error) {
    static_assert(kBinaryMagic.size() == kBinaryMagicV1.size());
    std::string magic(kBinaryMagic.size(), '\0');
    if (!in.read(magic.data(), static_cast<std::streamsize>(magic.size())) ||
        (magic != kBinaryMagic && magic != kBinaryMagicV1)) {
        error = "not an isapi-loadgen binary log (bad magic)";
        return -1;
    }
    const int version = magic == kBinaryMagicV1 ? 1 : 2;
    const std::size_t record_size = version == 1 ? kBinaryRecordSizeV1 : kBinaryRecordSize;
    std::map<std::pair<std::uint16_t, std::uint16_t>, std::string> builds;
    std::string item;
    long long records = 0;
    std::uint64_t offset = kBinaryMagic.size();
    for (int tag; (tag = in.get()) != std::char_traits<char>::eof();) {
        if (tag == 'R') {
            item.assign(record_size, '\0');
            item[0] = 'R';
            in.read(item.data() + 1, static_cast<std::streamsize>(record_size - 1));
            RequestRecord r;
            std::uint16_t build_id = 0;
            if (!in || !read_binary_record(item, r, build_id, version)) {
                error = "truncated or corrupt record at byte " + std::to_string(offset);
                return -1;
            }
            const auto found = builds.find({r.thread, build_id});
            sink(r, build_id && found != builds.end() ? std::string_view(found->second) : "");
            ++records;
            offset += record_size;
        } else if (tag == 'B') {
            char head[6];
            if (!in.read(head, 6)) {
                error = "truncated build item at byte " + std::to_string(offset);
                return -1;
            }
            item.assign(1, 'B');
            item.append(head, 6);
            const auto length = static_cast<std::uint16_t>(static_cast<unsigned char>(head[4]) |
                                                           (static_cast<unsigned char>(head[5]) << 8));
            std::string value(length, '\0');
            if (length && !in.read(value.data(), length)) {
                error = "truncated build item at byte " + std::to_string(offset);
                return -1;
            }
            item += value;
            std::uint16_t thread = 0, id = 0;
            std::string_view build;
            std::size_t used = 0;
            read_binary_build(item, thread, id, build, used);
            builds[{thread, id}] = std::string(build);
            offset += used;
        } else {
            error = "unknown item tag at byte " + std::to_string(offset);
            return -1;
        }
    }
    return records;
}

long long convert_binary_log(std::istream& in, std::ostream& out, std::string& error) {
    out << kCsvHeader;
    std::string row;
    return read_binary_log(in, [&](const RequestRecord& r, std::string_view build) {
        row.clear();
        append_csv_row(row, r, build);
        out << row;
    }, error);
}

}  // namespace isapi::loadgen
