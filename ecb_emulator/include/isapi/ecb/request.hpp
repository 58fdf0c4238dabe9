#pragma once
// A parsed HTTP request, as the front end hands it to the ECB emulator.
// Everything the ECB fields and server variables (docs/extensions.md) need is here,
// so the emulator never touches a socket.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace isapi::ecb {

struct Header {
    std::string name;   // as received, e.g. "User-Agent"
    std::string value;
};

// What a TLS connection tells the extension (the HTTPS_* and CERT_*
// variables, docs/server-variables.md). The front end fills it once per
// connection, after the handshake; a plain connection has none.
struct TlsInfo {
    std::uint32_t key_bits = 0;            // HTTPS_KEYSIZE, CERT_KEYSIZE: the cipher's key, e.g. 128 or 256
    std::uint32_t server_key_bits = 0;     // HTTPS_SECRETKEYSIZE, CERT_SECRETKEYSIZE: the server key, e.g. 2048
    std::string server_issuer;             // HTTPS_SERVER_ISSUER, CERT_SERVER_ISSUER ("C=US, O=..., CN=...")
    std::string server_subject;            // HTTPS_SERVER_SUBJECT, CERT_SERVER_SUBJECT
    std::string protocol;                  // the negotiated version, e.g. "TLSv1.3" (for the logs)
    // The client's certificate, when it sent one.
    bool client_cert_present = false;      // CERT_FLAGS bit 0
    bool client_cert_untrusted = false;    // CERT_FLAGS bit 1: its issuer is not one the server trusts
    std::string client_issuer;             // CERT_ISSUER
    std::string client_subject;            // CERT_SUBJECT
    std::string client_serial;             // CERT_SERIALNUMBER ("0a-1b-...")
    std::string client_cookie;             // CERT_COOKIE: a digest of the whole certificate, in hex
    std::string client_cert_der;           // the certificate itself (HSE_REQ_GET_CERT_INFO_EX)
};

struct Request {
    std::string method = "GET";      // REQUEST_METHOD, lpszMethod
    std::string url;                 // URL: the decoded path, without the query
    std::string unencoded_url;       // UNENCODED_URL: the request target as received
    std::string query_string;        // QUERY_STRING, lpszQueryString (without '?')
    std::string script_name;         // SCRIPT_NAME: the part of the URL that named the extension
    std::string path_info;           // PATH_INFO, lpszPathInfo
    std::string path_translated;     // PATH_TRANSLATED, lpszPathTranslated
    std::string protocol = "HTTP/1.1";
    std::vector<Header> headers;     // in the order received
    std::string all_raw;             // ALL_RAW: the header block as received
    std::optional<std::uint64_t> content_length;  // nullopt when chunked or unknown (cbTotalBytes 0xFFFFFFFF)
    std::string preloaded_body;      // read-ahead, lpbData/cbAvailable (at most kReadAhead bytes)
    bool keep_alive = true;          // the client allows keeping the connection

    std::string remote_addr = "127.0.0.1";
    std::uint16_t remote_port = 0;
    std::string local_addr = "127.0.0.1";
    std::uint16_t local_port = 0;
    std::string server_name = "localhost";  // SERVER_NAME: Host header without port, or local_addr
    std::optional<TlsInfo> tls;      // set when the request came over TLS (HTTPS=on)

    std::string remote_user;         // REMOTE_USER (empty: anonymous)
    std::string auth_type;           // AUTH_TYPE (empty: anonymous)
    std::string instance_id = "1";   // INSTANCE_ID
    std::string app_pool_id = "DefaultAppPool";  // APP_POOL_ID
    std::string appl_physical_path;  // APPL_PHYSICAL_PATH, with a trailing separator
    std::string document_root;       // MAP_URL_TO_PATH never resolves outside this folder
};

// IIS preloads up to 48 KiB of the body into lpbData by default.
inline constexpr std::size_t kReadAhead = 48 * 1024;

}  // namespace isapi::ecb
