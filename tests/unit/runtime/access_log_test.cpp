// The access log as IIS writes it: IIS's field names, default set and order,
// one token per field, and the status codes IIS logs for each ending.
#include "runtime/access_log.hpp"

#include <catch2/catch.hpp>

#include <httpext.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <vector>

using namespace isapi::host;

namespace {

std::string scratch_file()
{
    return (std::filesystem::temp_directory_path() / ("access-log-" + std::to_string(std::random_device{}()) + ".log"))
        .string();
}

std::string read_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

isapi::ecb::Outcome ended(unsigned status, DWORD hse_status, bool aborted = false)
{
    isapi::ecb::Outcome o;
    o.status = status;
    o.hse_status = hse_status;
    o.aborted = aborted;
    o.bytes_sent = 321;
    return o;
}

}  // namespace

TEST_CASE("the default fields are IIS's since IIS 8.0, in IIS's order", "[access-log]")
{
    CHECK(AccessFields::iis_default().directive() ==
          "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) "
          "sc-status sc-substatus sc-win32-status time-taken");
}

TEST_CASE("fields are chosen by IIS's logExtFileFlags names or W3C names, and written in IIS's order",
          "[access-log]")
{
    CHECK(AccessFields::parse(" TimeTaken, bytesSENT ,Date,time").directive() == "date time sc-bytes time-taken");
    CHECK(AccessFields::parse("default,sc-bytes,Host").directive() ==
          "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) "
          "cs-host sc-status sc-substatus sc-win32-status sc-bytes time-taken");
    CHECK(AccessFields::parse("Default") == AccessFields::iis_default());
    CHECK_THROWS_WITH(AccessFields::parse("default,Bytes"),
                      Catch::Contains("'Bytes' is not an IIS log field") && Catch::Contains("BytesRecv"));
    CHECK_THROWS_WITH(AccessFields::parse(" , "), Catch::Contains("names no field"));
}

TEST_CASE("sc-win32-status is IIS's for each ending: a cut connection, the host's own 404, an extension's 404",
          "[access-log]")
{
    CHECK(win32_status_for(ended(200, HSE_STATUS_SUCCESS)) == 0);
    CHECK(win32_status_for(ended(200, HSE_STATUS_SUCCESS, true)) == 64);  // ERROR_NETNAME_DELETED
    CHECK(win32_status_for(ended(0, 0, true)) == 64);                       // the client left first
    CHECK(win32_status_for(ended(404, 0)) == 2);                            // no extension ran: file not found
    CHECK(win32_status_for(ended(404, HSE_STATUS_SUCCESS)) == 0);           // the extension said 404
    CHECK(win32_status_for(ended(500, 0)) == 0);
}

TEST_CASE("a record is one line of space-free fields: decoded stem, raw query, '+' for spaces, '-' for none",
          "[access-log]")
{
    const std::string path = scratch_file();
    {
        AccessLog log(path, AccessFields::parse("default,SiteName,ProtocolVersion,Cookie,Host,BytesSent,BytesRecv"));
        isapi::ecb::Request request;
        request.method = "POST";
        request.unencoded_url = "/my%20app/x.dll/more?q=a+b%20c";  // not routed yet: url is empty
        request.remote_addr = "10.0.0.9";
        request.local_addr = "10.0.0.5";
        request.local_port = 8080;
        request.headers = {{"Host", "shop.example.com"},
                           {"User-Agent", "Mozilla/5.0 (X11;\tLinux)"},
                           {"Cookie", "a=1; b=2"}};
        request.all_raw = "Host: shop.example.com\r\nUser-Agent: Mozilla/5.0 (X11;\tLinux)\r\nCookie: a=1; b=2\r\n";
        request.content_length = 5;
        AccessRecord record = log.record_for(request);
        isapi::ecb::Outcome outcome = ended(200, HSE_STATUS_SUCCESS);
        outcome.log_parameters = "user 42";
        record.complete(outcome, std::chrono::steady_clock::now() - std::chrono::milliseconds(7));
        log.write(record);

        isapi::ecb::Request refused;
        refused.unencoded_url = "/a%zz?x=1";  // a bad escape: logged as received
        AccessRecord second = log.record_for(refused);
        second.complete(ended(400, 0), std::chrono::steady_clock::now());
        log.write(second);
    }
    const std::string text = read_file(path);
    std::filesystem::remove(path);
    CHECK(text.find("#Software: isapi-harness ") == 0);
    CHECK(text.find("\r\n#Fields: date time s-sitename s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
                    "cs-version cs(User-Agent) cs(Cookie) cs(Referer) cs-host sc-status sc-substatus sc-win32-status "
                    "sc-bytes cs-bytes time-taken\r\n") != std::string::npos);
    const std::regex first(R"(\r\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d W3SVC1 10\.0\.0\.5 POST /my\+app/x\.dll/more )"
                           R"(q=a\+b%20c&user\+42 8080 - 10\.0\.0\.9 HTTP/1\.1 Mozilla/5\.0\+\(X11;\+Linux\) a=1;\+b=2 - )"
                           R"(shop\.example\.com 200 0 0 321 (\d+) ([7-9]|\d\d+)\r\n)");
    std::smatch m;
    REQUIRE(std::regex_search(text, m, first));
    // "POST /my%20app/x.dll/more?q=a+b%20c HTTP/1.1\r\n", the headers, the blank line, 5 body bytes.
    CHECK(std::stoul(m[1]) == 46 + 80 + 2 + 5);
    CHECK(std::regex_search(text, std::regex(R"( GET /a%zz x=1 0 - 127\.0\.0\.1 HTTP/1\.1 - - - - 400 0 0 321 \d+ \d+\r\n$)")));
}

TEST_CASE("a log with a line sink makes the line the file would get, and write_lines appends lines made elsewhere",
          "[access-log]")
{
    // Every field but date and time, which name the second of writing.
    const AccessFields fields = AccessFields::parse(
        "SiteName,ComputerName,ServerIP,Method,UriStem,UriQuery,ServerPort,UserName,ClientIP,ProtocolVersion,"
        "UserAgent,Cookie,Referer,Host,HttpStatus,HttpSubStatus,Win32Status,BytesSent,BytesRecv,TimeTaken");
    isapi::ecb::Request request;
    request.method = "GET";
    request.unencoded_url = "/app/x.dll?a=1";
    request.remote_addr = "10.0.0.9";
    request.headers = {{"User-Agent", "curl/8"}};
    std::vector<std::string> sunk;
    AccessLog sink_log(fields, [&](std::string_view line) { sunk.emplace_back(line); });
    AccessRecord record = sink_log.record_for(request);
    record.complete(ended(200, HSE_STATUS_SUCCESS), std::chrono::steady_clock::now() - std::chrono::milliseconds(3));
    sink_log.write(record);
    REQUIRE(sunk.size() == 1);

    const std::string path = scratch_file();
    {
        AccessLog file_log(path, fields);
        file_log.write(record);
        file_log.write_lines("made elsewhere 1\r\nmade elsewhere 2\r\n");
        file_log.flush();
    }
    const std::string text = read_file(path);
    std::filesystem::remove(path);
    const auto directives_end = text.find("\r\n#Fields: ");
    REQUIRE(directives_end != std::string::npos);
    const std::string after = text.substr(text.find("\r\n", directives_end + 2) + 2);
    CHECK(sunk[0].find("GET /app/x.dll a=1") != std::string::npos);
    CHECK(after == sunk[0] + "made elsewhere 1\r\nmade elsewhere 2\r\n");
}
