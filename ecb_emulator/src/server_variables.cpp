#include "server_variables.hpp"

#include "header_text.hpp"
#include "wide_text.hpp"

#include <isapi/version.hpp>

#include <algorithm>
#include <array>
#include <charconv>

namespace isapi::ecb::detail {

namespace {

enum class Var {
    all_http, all_raw, appl_md_path, appl_physical_path, app_pool_id, auth_type, cache_url, content_length,
    content_type, document_root, gateway_interface, https, instance_id, instance_meta_path, instance_name,
    local_addr, managed_pipeline_mode, method, path_info, path_translated, protocol, query_string, remote_addr,
    remote_port, remote_user, request_flags, script_file, script_name, server_name, server_port,
    server_port_secure, server_software, ssi_exec_disabled, unencoded_url, url,
    // TLS: "" on a plain connection, as IIS answers them there
    cert_cookie, cert_flags, cert_issuer, cert_serial, cert_subject, tls_key_bits, tls_server_key_bits,
    tls_server_issuer, tls_server_subject,
    empty,  // always "" here: no authentication, no configuration to read
};

struct Entry {
    std::string_view name;
    Var var;
};

// Every variable IIS documents (docs/server-variables.md has each value and
// why), sorted by name for binary search (checked below at compile time).
//
// A name IIS knows always succeeds, possibly with "": an extension written
// for IIS reads its list of variables and gives up at the first failure, and
// IIS itself answers the certificate, cipher and user variables with empty
// strings on an anonymous plain-HTTP request.
constexpr std::array kVariables{
    Entry{"ALL_HTTP", Var::all_http},
    Entry{"ALL_RAW", Var::all_raw},
    Entry{"APPL_MD_PATH", Var::appl_md_path},
    Entry{"APPL_PHYSICAL_PATH", Var::appl_physical_path},
    Entry{"APP_POOL_CONFIG", Var::empty},
    Entry{"APP_POOL_ID", Var::app_pool_id},
    Entry{"AUTH_PASSWORD", Var::empty},
    Entry{"AUTH_TYPE", Var::auth_type},
    Entry{"AUTH_USER", Var::remote_user},
    Entry{"CACHE_URL", Var::cache_url},
    Entry{"CERT_COOKIE", Var::cert_cookie},
    Entry{"CERT_FLAGS", Var::cert_flags},
    Entry{"CERT_ISSUER", Var::cert_issuer},
    Entry{"CERT_KEYSIZE", Var::tls_key_bits},
    Entry{"CERT_SECRETKEYSIZE", Var::tls_server_key_bits},
    Entry{"CERT_SERIALNUMBER", Var::cert_serial},
    Entry{"CERT_SERVER_ISSUER", Var::tls_server_issuer},
    Entry{"CERT_SERVER_SUBJECT", Var::tls_server_subject},
    Entry{"CERT_SUBJECT", Var::cert_subject},
    Entry{"CONTENT_LENGTH", Var::content_length},
    Entry{"CONTENT_TYPE", Var::content_type},
    Entry{"CRYPT_CIPHER_ALG_ID", Var::empty},
    Entry{"CRYPT_HASH_ALG_ID", Var::empty},
    Entry{"CRYPT_KEYEXCHANGE_ALG_ID", Var::empty},
    Entry{"CRYPT_PROTOCOL", Var::empty},
    Entry{"DOCUMENT_ROOT", Var::document_root},
    Entry{"FORWARDED_URL", Var::empty},
    Entry{"GATEWAY_INTERFACE", Var::gateway_interface},
    Entry{"HTTPS", Var::https},
    Entry{"HTTPS_KEYSIZE", Var::tls_key_bits},
    Entry{"HTTPS_SECRETKEYSIZE", Var::tls_server_key_bits},
    Entry{"HTTPS_SERVER_ISSUER", Var::tls_server_issuer},
    Entry{"HTTPS_SERVER_SUBJECT", Var::tls_server_subject},
    Entry{"HTTP_METHOD", Var::method},
    Entry{"HTTP_URL", Var::unencoded_url},
    Entry{"HTTP_VERSION", Var::protocol},
    Entry{"INSTANCE_ID", Var::instance_id},
    Entry{"INSTANCE_META_PATH", Var::instance_meta_path},
    Entry{"INSTANCE_NAME", Var::instance_name},
    Entry{"LOCAL_ADDR", Var::local_addr},
    Entry{"LOGON_USER", Var::remote_user},
    Entry{"MANAGED_PIPELINE_MODE", Var::managed_pipeline_mode},
    Entry{"PATH_INFO", Var::path_info},
    Entry{"PATH_TRANSLATED", Var::path_translated},
    Entry{"QUERY_STRING", Var::query_string},
    Entry{"REMOTE_ADDR", Var::remote_addr},
    Entry{"REMOTE_HOST", Var::remote_addr},  // no reverse DNS, as IIS by default
    Entry{"REMOTE_PORT", Var::remote_port},
    Entry{"REMOTE_USER", Var::remote_user},
    Entry{"REQUEST_FILENAME", Var::script_file},
    Entry{"REQUEST_FLAGS", Var::request_flags},
    Entry{"REQUEST_METHOD", Var::method},
    Entry{"REQUEST_URI", Var::unencoded_url},
    Entry{"SCRIPT_FILENAME", Var::script_file},
    Entry{"SCRIPT_NAME", Var::script_name},
    Entry{"SCRIPT_TRANSLATED", Var::script_file},
    Entry{"SERVER_ADDR", Var::local_addr},
    Entry{"SERVER_NAME", Var::server_name},
    Entry{"SERVER_PORT", Var::server_port},
    Entry{"SERVER_PORT_SECURE", Var::server_port_secure},
    Entry{"SERVER_PROTOCOL", Var::protocol},
    Entry{"SERVER_SOFTWARE", Var::server_software},
    Entry{"SSI_EXEC_DISABLED", Var::ssi_exec_disabled},
    Entry{"UNENCODED_URL", Var::unencoded_url},
    Entry{"UNMAPPED_REMOTE_USER", Var::remote_user},
    Entry{"URL", Var::url},
};

constexpr char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// Compares a caller's name (any case) with an upper-case table name.
constexpr int compare_upper(std::string_view name, std::string_view table) {
    const std::size_t n = std::min(name.size(), table.size());
    for (std::size_t i = 0; i < n; ++i) {
        const char a = upper(name[i]);
        if (a != table[i]) return a < table[i] ? -1 : 1;
    }
    if (name.size() == table.size()) return 0;
    return name.size() < table.size() ? -1 : 1;
}

static_assert(std::is_sorted(kVariables.begin(), kVariables.end(),
                             [](const Entry& a, const Entry& b) { return compare_upper(a.name, b.name) < 0; }));

bool has_prefix(std::string_view name, std::string_view prefix) {
    return name.size() > prefix.size() && compare_upper(name.substr(0, prefix.size()), prefix) == 0;
}

const Entry* find_entry(std::string_view name) {
    const auto it = std::lower_bound(kVariables.begin(), kVariables.end(), name,
                                     [](const Entry& e, std::string_view n) { return compare_upper(n, e.name) > 0; });
    if (it == kVariables.end() || compare_upper(name, it->name) != 0) return nullptr;
    return &*it;
}

// HTTP_X_Y names the header "X-Y": IIS reads each '_' as '-', so a header
// spelled with an underscore is reachable only through HEADER_, which
// compares the name as written.
bool header_matches(std::string_view header, std::string_view suffix, bool underscore_is_dash) {
    if (header.size() != suffix.size()) return false;
    for (std::size_t i = 0; i < header.size(); ++i) {
        const char wanted = underscore_is_dash && suffix[i] == '_' ? '-' : upper(suffix[i]);
        if (upper(header[i]) != wanted) return false;
    }
    return true;
}

VariableLookup header_value(std::string_view suffix, bool underscore_is_dash, const Request& request,
                            VariableScratch& scratch) {
    const Header* first = nullptr;
    for (const Header& h : request.headers) {
        if (!header_matches(h.name, suffix, underscore_is_dash)) continue;
        if (!first) {
            first = &h;
            continue;
        }
        // Repeated headers read as one comma-separated list, as IIS gives them.
        if (scratch.joined.empty()) scratch.joined = first->value;
        scratch.joined.append(",").append(h.value);
    }
    if (!first) return {VariableLookup::Kind::unknown, {}};
    if (!scratch.joined.empty()) return {VariableLookup::Kind::value, scratch.joined};
    return {VariableLookup::Kind::value, first->value};
}

std::string_view number(std::uint64_t n, VariableScratch& scratch) {
    auto [end, ec] = std::to_chars(scratch.number, scratch.number + sizeof scratch.number, n);
    return {scratch.number, static_cast<std::size_t>(end - scratch.number)};
}

std::string_view compose(VariableScratch& scratch, std::initializer_list<std::string_view> parts) {
    scratch.composed.clear();
    for (std::string_view p : parts) scratch.composed.append(p);
    return scratch.composed;
}

// The certificate and key variables: "" on a plain connection.
std::string_view tls_value(Var var, const TlsInfo& tls, VariableScratch& scratch) {
    switch (var) {
        case Var::cert_cookie: return tls.client_cookie;
        case Var::cert_flags:
            return number((tls.client_cert_present ? 1u : 0u) | (tls.client_cert_untrusted ? 2u : 0u), scratch);
        case Var::cert_issuer: return tls.client_issuer;
        case Var::cert_serial: return tls.client_serial;
        case Var::cert_subject: return tls.client_subject;
        case Var::tls_key_bits: return number(tls.key_bits, scratch);
        case Var::tls_server_key_bits: return number(tls.server_key_bits, scratch);
        case Var::tls_server_issuer: return tls.server_issuer;
        case Var::tls_server_subject: return tls.server_subject;
        default: return {};
    }
}

std::string_view value_of(Var var, const Request& r, VariableScratch& scratch) {
    switch (var) {
        case Var::all_raw: return r.all_raw;
        case Var::appl_md_path: return compose(scratch, {"/LM/W3SVC/", r.instance_id, "/ROOT"});
        case Var::appl_physical_path: return r.appl_physical_path;
        case Var::app_pool_id: return r.app_pool_id;
        case Var::auth_type: return r.auth_type;
        case Var::cache_url:
            return compose(scratch,
                           {r.tls ? "https://" : "http://", r.server_name, ":", number(r.local_port, scratch), r.url});
        case Var::content_length: return number(r.content_length.value_or(0), scratch);
        case Var::content_type: return find_header(r, "Content-Type");
        case Var::document_root: return r.document_root;
        case Var::gateway_interface: return "CGI/1.1";
        case Var::https: return r.tls ? "on" : "off";
        case Var::instance_id: return r.instance_id;
        case Var::instance_meta_path: return compose(scratch, {"/LM/W3SVC/", r.instance_id});
        case Var::instance_name: return "Default Web Site";  // site 1 of a fresh install
        case Var::local_addr: return r.local_addr;
        case Var::managed_pipeline_mode: return "Integrated";  // DefaultAppPool's default
        case Var::method: return r.method;
        case Var::path_info: return r.path_info;
        case Var::path_translated: return r.path_translated;
        case Var::protocol: return r.protocol;
        case Var::query_string: return r.query_string;
        case Var::remote_addr: return r.remote_addr;
        case Var::remote_port: return number(r.remote_port, scratch);
        case Var::remote_user: return r.remote_user;
        case Var::request_flags: return "0";  // no HTTP/2: no HTTP_REQUEST flag applies
        case Var::script_file: return compose(scratch, {r.document_root, r.script_name});
        case Var::script_name: return r.script_name;
        case Var::server_name: return r.server_name;
        case Var::server_port: return number(r.local_port, scratch);
        case Var::server_port_secure: return r.tls ? "1" : "0";
        case Var::server_software: return version::kServerSoftware;
        case Var::ssi_exec_disabled: return "0";
        case Var::unencoded_url: return r.unencoded_url;
        case Var::url: return r.url;
        case Var::cert_cookie:
        case Var::cert_flags:
        case Var::cert_issuer:
        case Var::cert_serial:
        case Var::cert_subject:
        case Var::tls_key_bits:
        case Var::tls_server_key_bits:
        case Var::tls_server_issuer:
        case Var::tls_server_subject: return r.tls ? tls_value(var, *r.tls, scratch) : std::string_view{};
        case Var::all_http:
        case Var::empty: break;
    }
    return {};
}

VariableLookup unicode_variable(std::string_view name, const Request& request, VariableScratch& scratch) {
    // Only the named variables have a UNICODE_ form; headers (HTTP_, HEADER_)
    // do not, as IIS documents.
    const Entry* entry = find_entry(name);
    if (!entry) return {VariableLookup::Kind::unknown, {}};
    std::string all_http;
    std::string_view narrow;
    if (entry->var == Var::all_http) {
        all_http = build_all_http(request);
        narrow = all_http;
    } else {
        narrow = value_of(entry->var, request, scratch);
    }
    scratch.wide.clear();
    append_utf16le(narrow, scratch.wide);
    scratch.wide.push_back('\0');  // the first byte of the wide terminator (see the header)
    return {VariableLookup::Kind::value, scratch.wide};
}

}  // namespace

VariableLookup lookup_server_variable(std::string_view name, const Request& request, VariableScratch& scratch) {
    if (const Entry* entry = find_entry(name)) {
        if (entry->var == Var::all_http) return {VariableLookup::Kind::all_http, {}};
        return {VariableLookup::Kind::value, value_of(entry->var, request, scratch)};
    }
    if (has_prefix(name, "HTTP_")) return header_value(name.substr(5), true, request, scratch);
    if (has_prefix(name, "HEADER_")) return header_value(name.substr(7), false, request, scratch);
    if (has_prefix(name, "UNICODE_")) return unicode_variable(name.substr(8), request, scratch);
    return {VariableLookup::Kind::unknown, {}};
}

std::string build_all_http(const Request& request) {
    std::string out;
    for (const Header& h : request.headers) {
        out.append("HTTP_");
        for (char c : h.name) out.push_back(c == '-' ? '_' : upper(c));
        out.push_back(':');
        out.append(h.value);
        out.push_back('\n');
    }
    return out;
}

}  // namespace isapi::ecb::detail

namespace isapi::ecb {

std::string_view find_header(const Request& request, std::string_view name) {
    for (const Header& h : request.headers) {
        if (detail::iequals(h.name, name)) return h.value;
    }
    return {};
}

}  // namespace isapi::ecb
