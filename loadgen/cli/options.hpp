#pragma once
// The command line, as parsed by CLI11 and before it is turned into a RunPlan.
#include <cstdint>
#include <string>
#include <vector>

namespace isapi::loadgen {

struct CommonOptions {
    unsigned threads = 2;
    unsigned connections = 10;
    std::string duration;          // empty: the command's default
    std::uint64_t requests = 0;    // 0: no limit
    double rate = 0;               // 0: closed loop
    std::string stages;
    std::string timeout = "10s";
    std::vector<std::string> headers;
    std::string log;
    std::string log_format = "auto";
    std::string json;
    std::string junit;
    std::string hgrm;
    std::string html;
    std::string command_line;  // as typed, for the HTML page's header
    std::vector<std::string> fail_if;
    std::vector<std::string> expect;
    std::vector<unsigned> expect_status;
    bool no_keepalive = false;  // Connection: close on every request
    bool insecure = false;      // https: do not check the server's certificate
    std::string ca_file;        // https: PEM CA bundle to check it against (default: the system's)
    bool no_progress = false;
    std::string progress = "auto";  // --progress: auto, lines or off
    bool quiet = false;
};

struct RunOptions {
    std::string url;
    std::string method = "GET";
    std::string body;  // "@FILE": the file's bytes, as curl and hey read it
};

struct ReplayOptions {
    std::string file;
    std::string target;
    std::string format = "auto";
    double speed = 1.0;
    bool asap = false;
    std::uint64_t loop = 1;  // 0: repeat until --duration
    std::string only_host;   // HAR: keep the entries on this host[:port] (empty: all)
};

}  // namespace isapi::loadgen
