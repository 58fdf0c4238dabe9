#include "server_variables.hpp"

#include "header_text.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace isapi::ecb::detail {

namespace {

enum class Var {
    all_http, all_raw, appl_physical_path, app_pool_id, auth_type, content_length, content_type,
    gateway_interface, https, instance_id, local_addr, logon_user, path_info, path_translated,
    query_string, remote_addr, remote_host, remote_port, remote_user, request_method, script_name,
    server_name, server_port, server_port_secure, server_protocol, server_software, unencoded_url, url,
    no_data,
};

struct Entry {
    std::string_view name;
    Var var;
};

// Sorted by name for binary search (checked below at compile time).
//
// ERROR_NO_DATA rule: a name gets it when IIS knows the variable but this
// host can never give it a value. The harness serves plain HTTP only (no
// TLS, no client certificates), so that is exactly the CERT_* family and the
// server-side HTTPS_* key and certificate variables. Every other known
// variable always has a value, possibly the empty string (REMOTE_USER for an
// anonymous request), and succeeds.
constexpr std::array kVariables{
    Entry{"ALL_HTTP", Var::all_http},
    Entry{"ALL_RAW", Var::all_raw},
    Entry{"APPL_PHYSICAL_PATH", Var::appl_physical_path},
    Entry{"APP_POOL_ID", Var::app_pool_id},
    Entry{"AUTH_TYPE", Var::auth_type},
    Entry{"CERT_COOKIE", Var::no_data},
    Entry{"CERT_FLAGS", Var::no_data},
    Entry{"CERT_ISSUER", Var::no_data},
    Entry{"CERT_KEYSIZE", Var::no_data},
    Entry{"CERT_SECRETKEYSIZE", Var::no_data},
    Entry{"CERT_SERIALNUMBER", Var::no_data},
    Entry{"CERT_SERVER_ISSUER", Var::no_data},
    Entry{"CERT_SERVER_SUBJECT", Var::no_data},
    Entry{"CERT_SUBJECT", Var::no_data},
    Entry{"CONTENT_LENGTH", Var::content_length},
    Entry{"CONTENT_TYPE", Var::content_type},
    Entry{"GATEWAY_INTERFACE", Var::gateway_interface},
    Entry{"HTTPS", Var::https},
    Entry{"HTTPS_KEYSIZE", Var::no_data},
    Entry{"HTTPS_SECRETKEYSIZE", Var::no_data},
    Entry{"HTTPS_SERVER_ISSUER", Var::no_data},
    Entry{"HTTPS_SERVER_SUBJECT", Var::no_data},
    Entry{"INSTANCE_ID", Var::instance_id},
    Entry{"LOCAL_ADDR", Var::local_addr},
    Entry{"LOGON_USER", Var::logon_user},
    Entry{"PATH_INFO", Var::path_info},
    Entry{"PATH_TRANSLATED", Var::path_translated},
    Entry{"QUERY_STRING", Var::query_string},
    Entry{"REMOTE_ADDR", Var::remote_addr},
    Entry{"REMOTE_HOST", Var::remote_host},
    Entry{"REMOTE_PORT", Var::remote_port},
    Entry{"REMOTE_USER", Var::remote_user},
    Entry{"REQUEST_METHOD", Var::request_method},
    Entry{"SCRIPT_NAME", Var::script_name},
    Entry{"SERVER_NAME", Var::server_name},
    Entry{"SERVER_PORT", Var::server_port},
    Entry{"SERVER_PORT_SECURE", Var::server_port_secure},
    Entry{"SERVER_PROTOCOL", Var::server_protocol},
    Entry{"SERVER_SOFTWARE", Var::server_software},
    Entry{"UNENCODED_URL", Var::unencoded_url},
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

// True when header `name` is spelled `suffix` once uppercased with '-' as '_'.
bool header_matches(std::string_view name, std::string_view suffix) {
    if (name.size() != suffix.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char h = name[i] == '-' ? '_' : upper(name[i]);
        if (h != upper(suffix[i])) return false;
    }
    return true;
}

VariableLookup http_header(std::string_view suffix, const Request& request, VariableScratch& scratch) {
    const Header* first = nullptr;
    for (const Header& h : request.headers) {
        if (!header_matches(h.name, suffix)) continue;
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

std::string_view value_of(Var var, const Request& r, VariableScratch& scratch) {
    switch (var) {
        case Var::all_raw: return r.all_raw;
        case Var::appl_physical_path: return r.appl_physical_path;
        case Var::app_pool_id: return r.app_pool_id;
        case Var::auth_type: return r.auth_type;
        case Var::content_length: return number(r.content_length.value_or(0), scratch);
        case Var::content_type: return find_header(r, "Content-Type");
        case Var::gateway_interface: return "CGI/1.1";
        case Var::https: return "off";
        case Var::instance_id: return r.instance_id;
        case Var::local_addr: return r.local_addr;
        case Var::logon_user: return r.remote_user;
        case Var::path_info: return r.path_info;
        case Var::path_translated: return r.path_translated;
        case Var::query_string: return r.query_string;
        case Var::remote_addr: return r.remote_addr;
        case Var::remote_host: return r.remote_addr;  // no reverse DNS, as IIS by default
        case Var::remote_port: return number(r.remote_port, scratch);
        case Var::remote_user: return r.remote_user;
        case Var::request_method: return r.method;
        case Var::script_name: return r.script_name;
        case Var::server_name: return r.server_name;
        case Var::server_port: return number(r.local_port, scratch);
        case Var::server_port_secure: return "0";
        case Var::server_protocol: return r.protocol;
        case Var::server_software: return "isapi-harness/0.1";
        case Var::unencoded_url: return r.unencoded_url;
        case Var::url: return r.url;
        case Var::all_http:
        case Var::no_data: break;
    }
    return {};
}

}  // namespace


VariableLookup lookup_server_variable(std::string_view name, const Request& request, VariableScratch& scratch) {
    if (name.size() > 5 && compare_upper(name.substr(0, 5), "HTTP_") == 0) {
        return http_header(name.substr(5), request, scratch);
    }
    const auto it = std::lower_bound(kVariables.begin(), kVariables.end(), name,
                                     [](const Entry& e, std::string_view n) { return compare_upper(n, e.name) > 0; });
    if (it == kVariables.end() || compare_upper(name, it->name) != 0) return {VariableLookup::Kind::unknown, {}};
    if (it->var == Var::all_http) return {VariableLookup::Kind::all_http, {}};
    if (it->var == Var::no_data) return {VariableLookup::Kind::no_data, {}};
    return {VariableLookup::Kind::value, value_of(it->var, request, scratch)};
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
