#include "ipc_codec.hpp"

#include <cstring>
#include <stdexcept>

namespace isapi::host::ipc {
namespace {

template <typename T>
void append_pod(std::string& out, T value) {
    char bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));
    out.append(bytes, sizeof(T));
}

template <typename T>
T read_pod(std::string_view bytes) {
    T value;
    std::memcpy(&value, bytes.data(), sizeof(T));
    return value;
}

}  // namespace

FrameBuilder& FrameBuilder::begin(FrameType type, std::uint64_t id) {
    start_ = out_.size();
    append_pod<std::uint32_t>(out_, 0);  // patched by end()
    append_pod(out_, static_cast<std::uint8_t>(type));
    append_pod(out_, id);
    return *this;
}
FrameBuilder& FrameBuilder::u8(std::uint8_t value) { return append_pod(out_, value), *this; }
FrameBuilder& FrameBuilder::u16(std::uint16_t value) { return append_pod(out_, value), *this; }
FrameBuilder& FrameBuilder::u32(std::uint32_t value) { return append_pod(out_, value), *this; }
FrameBuilder& FrameBuilder::u64(std::uint64_t value) { return append_pod(out_, value), *this; }
FrameBuilder& FrameBuilder::str(std::string_view value) {
    append_pod(out_, static_cast<std::uint32_t>(value.size()));
    out_.append(value);
    return *this;
}
FrameBuilder& FrameBuilder::raw(std::string_view value) {
    out_.append(value);
    return *this;
}
void FrameBuilder::end() {
    const auto length = static_cast<std::uint32_t>(out_.size() - start_ - kFrameHeaderSize);
    std::memcpy(out_.data() + start_, &length, sizeof length);
}

std::optional<Frame> next_frame(std::string_view buffer, std::size_t& consumed) {
    const std::string_view rest = buffer.substr(consumed);
    if (rest.size() < kFrameHeaderSize) return std::nullopt;
    const auto length = read_pod<std::uint32_t>(rest);
    if (length > kMaxFrameBody) throw std::runtime_error("IPC frame of " + std::to_string(length) + " bytes");
    if (rest.size() < kFrameHeaderSize + length) return std::nullopt;
    Frame frame;
    frame.type = static_cast<FrameType>(read_pod<std::uint8_t>(rest.substr(4)));
    frame.id = read_pod<std::uint64_t>(rest.substr(5));
    frame.body = rest.substr(kFrameHeaderSize, length);
    consumed += kFrameHeaderSize + length;
    return frame;
}

std::string_view BodyReader::take(std::size_t n) {
    if (rest_.size() < n) throw std::runtime_error("IPC frame body is shorter than its fields");
    const auto bytes = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return bytes;
}
std::uint8_t BodyReader::u8() { return read_pod<std::uint8_t>(take(1)); }
std::uint16_t BodyReader::u16() { return read_pod<std::uint16_t>(take(2)); }
std::uint32_t BodyReader::u32() { return read_pod<std::uint32_t>(take(4)); }
std::uint64_t BodyReader::u64() { return read_pod<std::uint64_t>(take(8)); }
std::string BodyReader::str() { return std::string(take(u32())); }
std::string_view BodyReader::rest() { return take(rest_.size()); }

void encode_request(FrameBuilder& f, const ecb::Request& r) {
    f.str(r.method).str(r.url).str(r.unencoded_url).str(r.query_string).str(r.script_name).str(r.path_info);
    f.str(r.path_translated).str(r.protocol);
    f.u32(static_cast<std::uint32_t>(r.headers.size()));
    for (const auto& h : r.headers) f.str(h.name).str(h.value);
    f.str(r.all_raw);
    f.u8(r.content_length.has_value()).u64(r.content_length.value_or(0));
    f.str(r.preloaded_body).u8(r.keep_alive);
    f.str(r.remote_addr).u16(r.remote_port).str(r.local_addr).u16(r.local_port).str(r.server_name);
    f.str(r.remote_user).str(r.auth_type).str(r.instance_id).str(r.app_pool_id);
    f.str(r.appl_physical_path).str(r.document_root);
    f.u8(r.tls.has_value());
    if (r.tls) {
        const ecb::TlsInfo& t = *r.tls;
        f.u32(t.key_bits).u32(t.server_key_bits).str(t.server_issuer).str(t.server_subject).str(t.protocol);
        f.u8(t.client_cert_present).u8(t.client_cert_untrusted).str(t.client_issuer).str(t.client_subject);
        f.str(t.client_serial).str(t.client_cookie).str(t.client_cert_der);
    }
}

ecb::Request decode_request(BodyReader& b) {
    ecb::Request r;
    r.method = b.str();
    r.url = b.str();
    r.unencoded_url = b.str();
    r.query_string = b.str();
    r.script_name = b.str();
    r.path_info = b.str();
    r.path_translated = b.str();
    r.protocol = b.str();
    const auto headers = b.u32();
    r.headers.reserve(std::min<std::uint32_t>(headers, 256));
    for (std::uint32_t i = 0; i < headers; ++i) {
        std::string name = b.str();
        r.headers.push_back({std::move(name), b.str()});
    }
    r.all_raw = b.str();
    const bool has_length = b.u8() != 0;
    const auto length = b.u64();
    if (has_length) r.content_length = length;
    r.preloaded_body = b.str();
    r.keep_alive = b.u8() != 0;
    r.remote_addr = b.str();
    r.remote_port = b.u16();
    r.local_addr = b.str();
    r.local_port = b.u16();
    r.server_name = b.str();
    r.remote_user = b.str();
    r.auth_type = b.str();
    r.instance_id = b.str();
    r.app_pool_id = b.str();
    r.appl_physical_path = b.str();
    r.document_root = b.str();
    if (b.u8() != 0) {
        ecb::TlsInfo& t = r.tls.emplace();
        t.key_bits = b.u32();
        t.server_key_bits = b.u32();
        t.server_issuer = b.str();
        t.server_subject = b.str();
        t.protocol = b.str();
        t.client_cert_present = b.u8() != 0;
        t.client_cert_untrusted = b.u8() != 0;
        t.client_issuer = b.str();
        t.client_subject = b.str();
        t.client_serial = b.str();
        t.client_cookie = b.str();
        t.client_cert_der = b.str();
    }
    return r;
}

void encode_outcome(FrameBuilder& f, const ecb::Outcome& o) {
    f.u32(o.status).u64(o.bytes_sent).u8(o.keep_alive).u8(o.aborted).u32(o.hse_status);
    f.str(o.log_data).str(o.log_parameters);
}

ecb::Outcome decode_outcome(BodyReader& b) {
    ecb::Outcome o;
    o.status = b.u32();
    o.bytes_sent = b.u64();
    o.keep_alive = b.u8() != 0;
    o.aborted = b.u8() != 0;
    o.hse_status = b.u32();
    o.log_data = b.str();
    o.log_parameters = b.str();
    return o;
}

}  // namespace isapi::host::ipc
