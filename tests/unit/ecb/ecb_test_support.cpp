#include "ecb_test_support.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace ecb_test {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

std::mutex orphan_mutex;
std::vector<isapi::ecb::Finding> orphans;

}  // namespace

ParsedResponse parse_response(const std::string& bytes, bool head) {
    ParsedResponse r;
    const auto end = bytes.find("\r\n\r\n");
    if (end == std::string::npos || bytes.rfind("HTTP/1.1 ", 0) != 0) return r;
    std::size_t pos = bytes.find("\r\n");
    const std::string status_line = bytes.substr(9, pos - 9);
    r.status = static_cast<unsigned>(std::stoul(status_line.substr(0, 3)));
    r.reason = status_line.size() > 4 ? status_line.substr(4) : "";
    pos += 2;
    while (pos < end) {
        const auto nl = bytes.find("\r\n", pos);
        const std::string line = bytes.substr(pos, nl - pos);
        const auto colon = line.find(':');
        if (colon == std::string::npos) return r;
        r.headers.emplace(lower(line.substr(0, colon)), trim(line.substr(colon + 1)));
        pos = nl + 2;
    }
    std::size_t body = end + 4;
    const bool no_body = head || r.status == 204 || r.status == 304;
    if (no_body) {
        r.rest = bytes.substr(body);
        r.ok = true;
        return r;
    }
    if (lower(r.header("transfer-encoding")) == "chunked") {
        r.chunked = true;
        for (;;) {
            const auto nl = bytes.find("\r\n", body);
            if (nl == std::string::npos) return r;
            const std::size_t size = std::stoul(bytes.substr(body, nl - body), nullptr, 16);
            body = nl + 2;
            if (size == 0) {
                if (bytes.compare(body, 2, "\r\n") != 0) return r;
                body += 2;
                break;
            }
            if (body + size + 2 > bytes.size() || bytes.compare(body + size, 2, "\r\n") != 0) return r;
            r.body.append(bytes, body, size);
            body += size + 2;
        }
        r.rest = bytes.substr(body);
        r.ok = true;
    } else if (r.has("content-length")) {
        const std::size_t size = std::stoul(r.header("content-length"));
        if (body + size > bytes.size()) {
            r.body = bytes.substr(body);
            return r;
        }
        r.body = bytes.substr(body, size);
        r.rest = bytes.substr(body + size);
        r.ok = true;
    } else {
        r.body = bytes.substr(body);  // close-delimited
        r.ok = lower(r.header("connection")) == "close";
    }
    return r;
}

isapi::ecb::Request Harness::default_request() {
    isapi::ecb::Request r;
    r.method = "GET";
    r.url = "/app/hello.dll/extra/path";
    r.unencoded_url = "/app/hello.dll/extra/path?a=1&b=two";
    r.query_string = "a=1&b=two";
    r.script_name = "/app/hello.dll";
    r.path_info = "/extra/path";
    r.path_translated = "/srv/www/extra/path";
    r.headers = {{"Host", "example.test:8080"}, {"User-Agent", "catch2/2"}, {"Accept-Language", "en"}};
    r.all_raw = "Host: example.test:8080\r\nUser-Agent: catch2/2\r\nAccept-Language: en\r\n";
    r.content_length = 0;
    r.remote_addr = "10.1.2.3";
    r.remote_port = 54321;
    r.local_addr = "10.0.0.1";
    r.local_port = 8080;
    r.server_name = "example.test";
    r.appl_physical_path = "/srv/www/";
    r.document_root = "/srv/www";
    return r;
}

Harness::Harness() {
    context.executor = [this](std::function<void()> task) { executor->post(std::move(task)); };
    context.findings = [this](const isapi::ecb::Finding& f) {
        std::lock_guard lock(findings_mutex_);
        findings_.push_back(f);
    };
    context.module = "test.so";
    context.load_generation = 7;
    context.on_complete = [state = completion_state_](const isapi::ecb::Outcome& o) {
        {
            std::lock_guard lock(state->mutex);
            ++state->calls;
            state->outcome = o;
            state->thread = std::this_thread::get_id();
        }
        state->cv.notify_all();
    };
}

Harness::~Harness() { executor.reset(); }

void Harness::run(PFN_HTTPEXTENSIONPROC proc, isapi::ecb::Request request) {
    isapi::ecb::dispatch(std::move(request), proc, transport, context);
}

bool Harness::wait_complete(std::chrono::milliseconds timeout) {
    std::unique_lock lock(completion_.mutex);
    return completion_.cv.wait_for(lock, timeout, [this] { return completion_.calls > 0; });
}

std::vector<isapi::ecb::Finding> Harness::findings() const {
    std::lock_guard lock(findings_mutex_);
    return findings_;
}

bool Harness::has_finding(const std::string& kind) const {
    auto all = findings();
    return std::any_of(all.begin(), all.end(), [&](const auto& f) { return f.kind == kind; });
}

std::vector<isapi::ecb::Finding> take_orphan_findings() {
    static const bool installed = [] {
        isapi::ecb::set_orphan_finding_sink([](const isapi::ecb::Finding& f) {
            std::lock_guard lock(orphan_mutex);
            orphans.push_back(f);
        });
        return true;
    }();
    (void)installed;
    std::lock_guard lock(orphan_mutex);
    return std::exchange(orphans, {});
}

}  // namespace ecb_test
