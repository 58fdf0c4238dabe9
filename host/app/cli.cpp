#include "cli.hpp"

#include "../detectors/leak_trend.hpp"
#include "../detectors/lifecycle_jitter.hpp"
#include "../pool/work_pool.hpp"

#include <isapi/platform/connection_handoff.hpp>
#include <isapi/platform/environment.hpp>
#include <isapi/version.hpp>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>

namespace isapi::host {
namespace {

constexpr std::size_t kMaxTokenBytes = 4096;

// The footer, in two parts around the token size limit.
constexpr const char* kFooterHead = R"(
Examples:
  # Serve the hello sample from a worker process; the extension answers at
  # /hello.dll and below it.
  isapi-host --listen 127.0.0.1:8080 --map /hello.dll=build/release/samples/hello.so
  curl http://127.0.0.1:8080/hello.dll/extra/path?x=1

  # Deploy by copying: workers load private copies, and a complete new file
  # at the mapped path starts an overlapped recycle (no request is lost).
  isapi-host --map /app.dll=./app.so --shadow-copy --watch --preload
  cp new/app.so ./app.so

  # Recycle by hand (or send SIGHUP): a new worker takes over when ready.
  curl -X POST 'http://127.0.0.1:8081/_isapi/recycle?mode=overlapped'

  # In process, for debuggers and sanitizers (no worker processes).
  isapi-host --isolation inproc --map /hello.dll=build/release/samples/hello.so

  # Uncached (IIS with "Cache ISAPI applications" unchecked): load, call,
  # terminate and unload on every request, so the file can be replaced.
  isapi-host --isolation inproc --map /app.dll=./app.so --uncached

  # A script map: every *.isa URL is served by one handler module.
  isapi-host --isolation inproc --root ./site --map '*.isa=./handler.so'

  # Hunt lifecycle races: unload after every request, report a call that
  # hangs for 2 s, and jitter lifecycle points repeatably (seed 42, 0..5 ms).
  isapi-host --map /app.dll=./app.so --uncached --hang-timeout 2000 --jitter 42:5ms

  # HTTPS, with a self-signed pair for loopback (HTTPS=on, the CERT_*
  # variables filled); ask clients for certificates as IIS's "Accept" does.
  scripts/make-tls-cert.sh /tmp/tls
  isapi-host --map /hello.dll=build/release/samples/hello.so \
             --tls-cert /tmp/tls/localhost.crt --tls-key /tmp/tls/localhost.key --tls-client-certs accept
  curl --cacert /tmp/tls/localhost.crt https://localhost:8080/hello.dll

  # Admin API on loopback: status, Prometheus metrics, lifecycle events.
  isapi-host --isolation inproc --map /app.dll=./app.so --admin 127.0.0.1:8081
  curl http://127.0.0.1:8081/_isapi/status

  # Admin API for other machines: a token is required, read from a file so
  # that it does not show in ps.
  isapi-host --map /app.dll=./app.so --admin 0.0.0.0:8081 --admin-allow-remote \
             --admin-token-file /etc/isapi-host/admin-token
  TOKEN=$(cat /etc/isapi-host/admin-token)
  curl -H "Authorization: Bearer $TOKEN" http://host:8081/_isapi/status

Admin token: with one, every admin request needs "Authorization: Bearer
TOKEN" (else 401). It comes from --admin-token-file FILE (the file's content
less its trailing newline) or --admin-token TOKEN (not both), and when
neither is given from the environment variable ISAPI_ADMIN_TOKEN. Prefer the
file or the variable: a command line is visible to every local user (ps,
/proc/PID/cmdline). The host removes ISAPI_ADMIN_TOKEN from its own
environment at startup, so worker processes, extensions and anything else it
starts never see it. A token is printable ASCII without spaces (RFC 6750),
at most )";
constexpr const char* kFooterTail = R"( bytes. --admin-allow-remote is refused without a token.

On startup the host prints "listening on http://ADDR:PORT" on stdout (port 0
picks a free port), then "admin on http://ADDR:PORT" with --admin; logs go to
stderr. SIGINT/SIGTERM stop accepting, finish running requests within
--shutdown-time-limit, then call TerminateExtension and unload. SIGHUP starts
an overlapped recycle. A worker that crashes costs only its requests in
flight (502, or a cut connection once bytes went out); the next request
starts a new worker, until --rapid-fail crashes within --rapid-fail-window
stop the pool (503 until POST /_isapi/reset).

Exit codes: 0 clean stop, 1 runtime error (e.g. cannot bind), 2 bad command
line, 3 requests still running when the shutdown time limit ran out.)";

constexpr const char* kTokenVariable = "ISAPI_ADMIN_TOKEN";

// What a client sends after "Bearer " must be able to match the token: HTTP
// drops spaces around a header value and carries no control bytes, so such a
// token would lock every client out. RFC 6750's b64token has no space either.
void check_token(const std::string& token, const std::string& source) {
    if (token.empty()) throw CLI::ValidationError(source, "the admin token must not be empty");
    if (token.size() > kMaxTokenBytes)
        throw CLI::ValidationError(source, "the admin token is longer than " + std::to_string(kMaxTokenBytes) + " bytes");
    for (const char c : token)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F)
            throw CLI::ValidationError(source, "the admin token holds a space or a control character, which an "
                                               "Authorization header cannot carry");
}

// The token file's content less its trailing line break (CRLF too).
std::string read_token_file(const std::string& path) {
    const std::string option = "--admin-token-file";
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw CLI::ValidationError(option, "'" + path + "' is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CLI::ValidationError(option, "cannot read '" + path + "': " + std::strerror(errno));
    std::string token(kMaxTokenBytes + 3, '\0');  // enough to tell a token that is too long
    in.read(token.data(), static_cast<std::streamsize>(token.size()));
    if (in.bad()) throw CLI::ValidationError(option, "cannot read '" + path + "'");
    token.resize(static_cast<std::size_t>(in.gcount()));
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    if (token.empty()) throw CLI::ValidationError(option, "'" + path + "' is empty; it must hold the admin token");
    check_token(token, option);
    return token;
}

// "ADDR:PORT" or "[V6ADDR]:PORT" into address and port.
std::pair<std::string, std::uint16_t> parse_endpoint(const std::string& text, const std::string& option) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 == text.size())
        throw CLI::ValidationError(option, "'" + text + "' is not ADDR:PORT (e.g. 127.0.0.1:0)");
    std::string address = text.substr(0, colon);
    if (address.size() >= 2 && address.front() == '[' && address.back() == ']')
        address = address.substr(1, address.size() - 2);
    const std::string port = text.substr(colon + 1);
    std::size_t used = 0;
    unsigned long value = 0;
    try {
        value = std::stoul(port, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != port.size() || value > 65535)
        throw CLI::ValidationError(option, "port '" + port + "' is not a number from 0 to 65535");
    return {address, static_cast<std::uint16_t>(value)};
}

void parse_listen(const std::string& text, HostConfig& config) {
    auto [address, port] = parse_endpoint(text, "--listen");
    config.listen_address = address.empty() ? "0.0.0.0" : address;
    config.listen_port = port;
}

// The admin API answers on loopback only, unless remote access is asked for.
void parse_admin(const std::string& text, bool allow_remote, HostConfig& config) {
    auto [address, port] = parse_endpoint(text, "--admin");
    boost::system::error_code ec;
    const auto ip = boost::asio::ip::make_address(address, ec);
    if (ec) throw CLI::ValidationError("--admin", "'" + address + "' is not an IP address (e.g. 127.0.0.1)");
    if (!ip.is_loopback() && !allow_remote)
        throw CLI::ValidationError("--admin", "'" + address +
                                                  "' is not a loopback address; the admin API controls the host, "
                                                  "so add --admin-allow-remote (and a token) to expose it");
    config.admin_address = address;
    config.admin_port = port;
}

// A duration option given in whole `Unit`s (microseconds to seconds), stored
// straight into `target`, whose current value is the default shown.
template <typename Unit, typename Target>
CLI::Option* add_duration(CLI::App& app, const std::string& name, Target& target, const std::string& help, long min,
                          long max) {
    return app
        .add_option_function<long>(
            name, [&target](long value) { target = std::chrono::duration_cast<Target>(Unit(value)); }, help)
        ->check(CLI::Range(min, max))
        ->default_str(std::to_string(std::chrono::duration_cast<Unit>(target).count()));
}

}  // namespace

std::optional<HostConfig> parse_command_line(int argc, char** argv, int& exit_code) {
    // The token variable leaves this process's environment before anything
    // can inherit it: worker processes, extensions (getenv), gdb.
    const std::optional<std::string> token_variable = platform::take_environment_variable(kTokenVariable);

    HostConfig config;
    CLI::App app{"isapi-host: serves ISAPI extensions over HTTP the way IIS hosts them (ECB emulation, cached and "
                 "uncached modes).",
                 "isapi-host"};
    app.footer(kFooterHead + std::to_string(kMaxTokenBytes) + kFooterTail);
    app.set_version_flag("--version", "isapi-host " + std::string(version::kVersion));

    // Options parsed into something else start from the config's defaults.
    std::string listen = config.listen_address + ":" + std::to_string(config.listen_port);
    std::vector<std::string> maps;
    std::string isolation = config.isolation == Isolation::inproc ? "inproc" : "process";
    bool uncached = false;

    app.add_option("--listen", listen, "Address and port to listen on; port 0 picks a free one")
        ->capture_default_str();
    TlsOptions tls;
    std::string client_certs = "ignore";
    auto* tls_cert_option =
        app.add_option("--tls-cert", tls.cert,
                       "Serve HTTPS on --listen with this PEM certificate (then its chain); needs --tls-key. "
                       "scripts/make-tls-cert.sh makes a self-signed pair for loopback")
            ->check(CLI::ExistingFile);
    app.add_option("--tls-key", tls.key, "The PEM private key of --tls-cert")
        ->check(CLI::ExistingFile)
        ->needs(tls_cert_option);
    app.add_option("--tls-client-certs", client_certs,
                   "IIS's \"Client certificates\" setting: ignore (never ask), accept (ask; a client without one is "
                   "served), require (403.7 without one). An untrusted certificate gets 403.16 with either")
        ->check(CLI::IsMember({"ignore", "accept", "require"}))
        ->needs(tls_cert_option)
        ->capture_default_str();
    app.add_option("--tls-client-ca", tls.client_ca,
                   "PEM file of the CAs a client certificate must chain to (else it is untrusted: CERT_FLAGS bit 1)")
        ->check(CLI::ExistingFile)
        ->needs(tls_cert_option);
    app.add_option("--map", maps,
                   "URL=PATH[,cached|,uncached]: serve the extension at PATH for URL (e.g. /scripts/app.dll, the "
                   "rest of the path becomes PATH_INFO) or for a wildcard (*.isa). Repeatable")
        ->required();
    app.add_flag("--uncached", uncached,
                 "Unload each module as soon as no request uses it (default: " +
                     std::string(to_string(config.default_mode)) + ")");
    app.add_option("--isolation", isolation,
                   "Where extensions run: process (worker processes, like IIS application pools) or inproc (this "
                   "process, for debuggers and sanitizers)")
        ->check(CLI::IsMember({"inproc", "process"}))
        ->capture_default_str();
    app.add_option("--root", config.document_root, "Site root for PATH_TRANSLATED and MAP_URL_TO_PATH")
        ->check(CLI::ExistingDirectory)
        ->capture_default_str();
    app.add_option("--threads", config.threads,
                   "Extension pool threads (default: " + std::to_string(kDefaultThreads) + ", or " +
                       std::to_string(kThreadsPerCore) + " per core if more)")
        ->check(CLI::Range(1, 4096));
    app.add_option("--io-threads", config.io_threads,
                   "Network I/O threads; more than 1 turns the inline fast path off")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    add_duration<std::chrono::microseconds>(
        app, "--inline-budget-us", config.inline_budget,
        "In process: the I/O thread runs a request's extension code itself (no hand-off to the pool) and a "
        "standby thread takes the I/O over once the call runs past this many microseconds (blocked or on a "
        "CPU; on Linux, time spent waiting for a busy CPU does not count); 0 sends every request to the pool, "
        "as IIS does",
        0, 1'000'000);
    app.add_option("--queue-limit", config.queue_limit, "Requests waiting for a pool thread before 503")
        ->check(CLI::Range(1, 1'000'000))
        ->capture_default_str();
    app.add_option("--max-header-bytes", config.limits.max_header_bytes, "Request header limit (beyond: 431)")
        ->check(CLI::Range(256, 1 << 24))
        ->capture_default_str();
    app.add_option("--max-body-bytes", config.limits.max_body_bytes, "Request body limit (beyond: 413)")
        ->capture_default_str();
    using ms = std::chrono::milliseconds;
    using seconds = std::chrono::seconds;
    add_duration<ms>(app, "--request-timeout", config.limits.request_timeout,
                     "Milliseconds a request, or a body read, may stall before 408", 1, 3'600'000);
    app.add_option("--min-body-rate", config.limits.min_body_bytes_per_second,
                   "Bytes per second a request body must average while the request waits for it, after a grace of "
                   "the smaller of --request-timeout and 5 s (below: 408, or a close once the response started); "
                   "0: no minimum")
        ->check(CLI::Range(0u, 1u << 30))
        ->capture_default_str();
    add_duration<ms>(app, "--write-timeout", config.limits.write_timeout,
                     "Milliseconds a client may stop reading the response", 1, 3'600'000);
    add_duration<ms>(app, "--shutdown-time-limit", config.shutdown_time_limit,
                     "Milliseconds to wait for running requests at shutdown (IIS shutdownTimeLimit)", 0, 3'600'000);
    app.add_option("--access-log", config.access_log,
                   "Append an IIS W3C extended access log to this file, a line per request as it ends");
    std::string access_log_fields;
    app.add_option("--access-log-fields", access_log_fields,
                   "The log's fields, as IIS's logExtFileFlags names them (any order; written in IIS's): "
                   "default (IIS's: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
                   "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken), e.g. "
                   "default,BytesSent,BytesRecv,Host; W3C names (sc-bytes) work too")
        ->default_str("default");
    app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error or off")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    bool no_identity_header = false;
    std::string admin;
    std::string admin_token;
    std::string admin_token_file;
    bool admin_allow_remote = false;
    app.add_flag("--no-identity-header", no_identity_header,
                 "Do not add X-Isapi-Build (module file, short SHA-256, pid, worker and load generation) to "
                 "extension responses");
    auto* admin_option = app.add_option(
        "--admin", admin,
        "ADDR:PORT for the admin API (/_isapi/status, /metrics, /events, /recycle); loopback only unless "
        "--admin-allow-remote. Off when not given");
    auto* token_option =
        app.add_option("--admin-token", admin_token,
                       "Require \"Authorization: Bearer TOKEN\" on the admin API. Visible to local users in ps: "
                       "prefer --admin-token-file or ISAPI_ADMIN_TOKEN (see Admin token below)")
            ->needs(admin_option);
    app.add_option("--admin-token-file", admin_token_file,
                   "Read the admin token from FILE (its trailing newline dropped; an unreadable or empty file is an "
                   "error). Takes precedence over ISAPI_ADMIN_TOKEN")
        ->needs(admin_option)
        ->excludes(token_option);
    app.add_flag("--admin-allow-remote", admin_allow_remote,
                 "Allow --admin on a non-loopback address; needs a token (--admin-token-file, ISAPI_ADMIN_TOKEN "
                 "or --admin-token)")
        ->needs(admin_option);

    app.add_flag("--preload", config.preload,
                 "Start the worker and load the cached modules at startup and on every recycle, not on the first "
                 "request");
    app.add_flag("--standby-worker", config.standby_worker,
                 "Keep one more worker process started and idle; a recycle's new worker is that one, which only "
                 "loads the modules, and a new standby starts once it serves");
    bool handoff_asked = false, relay_asked = false;  // resolved after the parse, with the isolation and TLS
    auto* handoff_option = app.add_flag(
        "--handoff", handoff_asked,
        "Pass each connection the client keeps open to the worker process, which reads and answers its "
        "further requests itself (the limits apply there); the front end relays the first request, keeps a copy "
        "to answer 502 if the worker dies and passes idle connections to the next worker on a recycle. The "
        "default with worker processes on Linux without --tls-cert; given explicitly, anywhere else is an error");
    app.add_flag("--no-handoff", relay_asked,
                 "Worker processes never get the connections: the front end reads each request and relays it "
                 "over the worker's channel (as with --tls-cert, and on Windows)")
        ->excludes(handoff_option);
    app.add_flag("--shadow-copy", config.shadow_copy,
                 "Workers load private copies of the modules: the deployed files are never mapped or locked");
    app.add_flag("--watch", config.watch,
                 "Recycle (overlapped) when a mapped module file is replaced by a complete new one");
    add_duration<ms>(app, "--watch-interval", config.watch_interval, "Milliseconds between --watch polls", 10, 60'000);
    app.add_option("--recycle-requests", config.recycle_after_requests,
                   "Recycle a worker after it served this many requests (IIS periodicRestart requests; 0: never)")
        ->capture_default_str();
    add_duration<seconds>(app, "--recycle-age", config.recycle_after_age,
                          "Recycle a worker after this many seconds (0: never)", 0, 365L * 24 * 3600);
    app.add_option("--rapid-fail", config.rapid_fail_crashes,
                   "Worker crashes within --rapid-fail-window that stop the pool (rapid-fail protection)")
        ->check(CLI::Range(1, 1'000'000))
        ->capture_default_str();
    add_duration<seconds>(app, "--rapid-fail-window", config.rapid_fail_window, "Seconds over which crashes count", 1,
                          365L * 24 * 3600);
    add_duration<ms>(app, "--ping-interval", config.ping_interval, "Milliseconds between worker pings (0: no pings)", 0,
                     3'600'000);
    add_duration<ms>(app, "--ping-timeout", config.ping_timeout,
                     "Milliseconds without a ping answer after which a worker is hung and recycled", 1, 3'600'000);
    add_duration<ms>(app, "--hang-timeout", config.hunt.hang_timeout,
                     "Milliseconds after which a GetExtensionVersion, HttpExtensionProc or TerminateExtension call "
                     "that has not returned is the finding `hang`, with thread stacks when gdb is on PATH (0: off)",
                     0, 3'600'000);
    app.add_option("--leak-cycles", config.hunt.leak_cycles,
                   "Samples per window of leak_per_cycle: after " + std::to_string(LeakTrendOptions{}.warm_up) +
                       " warm-up cycles, the growth per cycle must hold in two windows in a row (0: off)")
        ->check(CLI::Range(0, 100'000))
        ->capture_default_str();
    std::string jitter;
    app.add_option("--jitter", jitter,
                   "SEED:MAX, e.g. 42:5ms: sleep a seeded pseudo-random 0..MAX (us, ms or s) before "
                   "GetExtensionVersion, between a request's completion and the unload, and before "
                   "TerminateExtension, each point with its own repeatable stream (for `isapi-loadgen race`)");

    try {
        app.parse(argc, argv);
        config.isolation = isolation == "inproc" ? Isolation::inproc : Isolation::process;
        if (config.isolation == Isolation::inproc)
            for (const char* option : {"--preload", "--standby-worker", "--handoff", "--no-handoff", "--shadow-copy",
                                       "--watch", "--recycle-requests", "--recycle-age"})
                if (app.count(option) > 0)
                    throw CLI::ValidationError(option, "needs worker processes; drop --isolation inproc");
        parse_listen(listen, config);
        if (app.count("--tls-cert") > 0) {
            if (!kTlsBuiltIn)
                throw CLI::ValidationError("--tls-cert", "this isapi-host was built without TLS (no OpenSSL at build "
                                                         "time; the Windows build has none)");
            if (app.count("--tls-key") == 0)
                throw CLI::ValidationError("--tls-cert", "needs --tls-key FILE, the certificate's private key");
            tls.client_certs = client_certs == "require"  ? ClientCertMode::require
                               : client_certs == "accept" ? ClientCertMode::accept
                                                          : ClientCertMode::ignore;
            if (app.count("--tls-client-ca") > 0 && tls.client_certs == ClientCertMode::ignore)
                throw CLI::ValidationError("--tls-client-ca", "needs --tls-client-certs accept or require");
            config.tls = tls;
        }
        // The hand-off is the default wherever it can work; asked for
        // explicitly where it cannot, it is an error, not a silent relay.
        if (handoff_asked) {
            if (!platform::kConnectionHandoff)
                throw CLI::ValidationError("--handoff", "passing connections between processes is not available on "
                                                        "this OS yet; the front end relays instead");
            if (config.tls)
                throw CLI::ValidationError("--handoff", "cannot be used with --tls-cert: TLS ends in the front end");
        }
        config.handoff = config.isolation == Isolation::process && platform::kConnectionHandoff && !config.tls &&
                         !relay_asked;
        if (!admin.empty()) {
            parse_admin(admin, admin_allow_remote, config);
            // The command line first, then the environment.
            if (app.count("--admin-token") > 0) {
                check_token(admin_token, "--admin-token");
                config.admin_token = admin_token;
            } else if (app.count("--admin-token-file") > 0) {
                config.admin_token = read_token_file(admin_token_file);
            } else if (token_variable) {
                check_token(*token_variable, kTokenVariable);
                config.admin_token = token_variable;
            }
            if (admin_allow_remote && !config.admin_token)
                throw CLI::ValidationError("--admin-allow-remote",
                                           "refused without an admin token: anyone who reaches the port could "
                                           "recycle the host. Give --admin-token-file FILE or ISAPI_ADMIN_TOKEN");
        }
        config.identity_header = !no_identity_header;
        if (!jitter.empty()) {
            config.hunt.jitter = parse_jitter(jitter);
            if (!config.hunt.jitter)
                throw CLI::ValidationError("--jitter", "'" + jitter + "' is not SEED:MAX (e.g. 42:5ms)");
        }
        if (app.count("--access-log-fields") > 0 && config.access_log.empty())
            throw CLI::ValidationError("--access-log-fields", "chooses the fields of --access-log FILE; give that too");
        if (!access_log_fields.empty()) {
            try {
                config.access_log_fields = AccessFields::parse(access_log_fields);
            } catch (const std::invalid_argument& e) {
                throw CLI::ValidationError("--access-log-fields", e.what());
            }
        }
        for (const auto& spec : maps) {
            try {
                config.mappings.push_back(parse_mapping(spec));
            } catch (const std::invalid_argument& e) {
                throw CLI::ValidationError("--map", e.what());
            }
        }
    } catch (const CLI::ParseError& e) {
        exit_code = app.exit(e);
        if (exit_code != 0) exit_code = exit_usage;
        return std::nullopt;
    }
    if (uncached) config.default_mode = LoadMode::uncached;
    return config;
}

}  // namespace isapi::host
