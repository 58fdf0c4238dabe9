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
