#include "log_codec.hpp"

#include <bit>
#include <charconv>
#include <cstring>

namespace isapi::loadgen {
namespace {

static_assert(std::endian::native == std::endian::little, "the binary log is written in host order");

template <class T>
void put(std::string& out, T v) {
    char raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    out.append(raw, sizeof(T));
}

template <class T>
T get(const char*& p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    p += sizeof(T);
    return v;
}

template <class T>
void put_number(std::string& out, T v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
}

}  // namespace

void append_csv_row(std::string& out, const RequestRecord& r, std::string_view build) {
    put_number(out, r.intended_ns);
    out += ',';
    put_number(out, r.sent_ns);
    out += ',';
    put_number(out, r.first_byte_ns);
    out += ',';
    put_number(out, r.done_ns);
    out += ',';
    put_number(out, r.status);
    out += ',';
    put_number(out, r.bytes);
    out += ',';
    out += class_name(r.cls);
    out += ',';
    put_number(out, r.thread);
    out += ',';
    put_number(out, r.connection);
    out += ',';
    if (build.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += build;
    } else {
        out += '"';
        for (char c : build) {
            if (c == '"') out += '"';
            out += c;
        }
        out += '"';
    }
    out += ',';
    put_number(out, r.request);
    out += '\n';
}

void append_binary_build(std::string& out, std::uint16_t thread, std::uint16_t id, std::string_view build) {
    const auto length = static_cast<std::uint16_t>(std::min<std::size_t>(build.size(), 65535));
    out += 'B';
    put(out, thread);
    put(out, id);
    put(out, length);
    out.append(build.data(), length);
}

void append_binary_record(std::string& out, const RequestRecord& r, std::uint16_t build_id) {
    out += 'R';
    put(out, r.intended_ns);
    put(out, r.sent_ns);
    put(out, r.first_byte_ns);
    put(out, r.done_ns);
    put(out, r.bytes);
    put(out, r.connection);
    put(out, r.status);
    put(out, r.thread);
    put(out, build_id);
    put(out, static_cast<std::uint8_t>(r.cls));
    put(out, r.request);
}

bool read_binary_build(std::string_view in, std::uint16_t& thread, std::uint16_t& id,
                       std::string_view& build, std::size_t& used) {
    if (in.size() < 7 || in[0] != 'B') return false;
    const char* p = in.data() + 1;
    thread = get<std::uint16_t>(p);
    id = get<std::uint16_t>(p);
    const auto length = get<std::uint16_t>(p);
    if (in.size() < 7U + length) return false;
    build = std::string_view(p, length);
    used = 7U + length;
    return true;
}

bool read_binary_record(std::string_view in, RequestRecord& r, std::uint16_t& build_id, int version) {
    if (in.size() < (version == 1 ? kBinaryRecordSizeV1 : kBinaryRecordSize) || in[0] != 'R') return false;
    const char* p = in.data() + 1;
    r.intended_ns = get<std::int64_t>(p);
    r.sent_ns = get<std::int64_t>(p);
    r.first_byte_ns = get<std::int64_t>(p);
    r.done_ns = get<std::int64_t>(p);
    r.bytes = get<std::uint64_t>(p);
    r.connection = get<std::uint32_t>(p);
    r.status = get<std::uint16_t>(p);
    r.thread = get<std::uint16_t>(p);
    build_id = get<std::uint16_t>(p);
    const auto cls = get<std::uint8_t>(p);
    if (cls >= kClassCount) return false;
    r.cls = static_cast<ErrorClass>(cls);
    r.request = version == 1 ? 0 : get<std::uint32_t>(p);
    return true;
}

}  // namespace isapi::loadgen
