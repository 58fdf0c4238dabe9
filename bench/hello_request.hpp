#pragma once
// What the benchmarks feed the ECB emulator: a plain `GET /hello.dll` as the
// front end would parse it, a Transport that drops the response bytes, and an
// executor that runs tasks inline. No sockets anywhere.
#include <isapi/ecb/dispatch.hpp>
#include <isapi/ecb/request.hpp>
#include <isapi/ecb/transport.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

namespace isapi::bench {

inline ecb::Request hello_request()
{
    ecb::Request request;
    request.method = "GET";
    request.url = "/hello.dll";
    request.unencoded_url = "/hello.dll";
    request.script_name = "/hello.dll";
    request.headers = {{"Host", "127.0.0.1:8080"}, {"User-Agent", "bench"}, {"Accept", "*/*"}};
    request.all_raw = "Host: 127.0.0.1:8080\r\nUser-Agent: bench\r\nAccept: */*\r\n";
    request.content_length = 0;
    request.local_port = 8080;
    request.remote_port = 40000;
    return request;
}

// Counts the bytes it is given, so a benchmark can check that a response was
// really produced.
class NullTransport final : public ecb::Transport {
public:
    bool send(std::span<const std::string_view> pieces) override
    {
        for (auto piece : pieces) bytes += piece.size();
        return true;
    }
    std::optional<std::size_t> receive(std::span<char>) override { return 0; }
    bool connected() const override { return true; }
    void finish(bool, bool) override { ++finished; }

    std::uint64_t bytes = 0;
    std::uint64_t finished = 0;
};

inline ecb::DispatchContext inline_context(std::uint64_t* completed)
{
    ecb::DispatchContext context;
    context.executor = [](std::function<void()> task) { task(); };
    context.module = "hello.so";
    context.on_complete = [completed](const ecb::Outcome&) { ++*completed; };
    return context;
}

}  // namespace isapi::bench
