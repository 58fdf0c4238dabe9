#pragma once
// How a transport reads the current request's body past its preloaded part:
// the request reader (HttpSession) owns the parser, so it does the reading.
#include <cstddef>
#include <functional>
#include <optional>
#include <span>

namespace isapi::host {

class BodyReader {
public:
    // The count of bytes read, 0 at the end of the body, nullopt on failure.
    using Done = std::function<void(std::optional<std::size_t>)>;

    // On the connection's strand: reads body bytes into `buffer` (at least
    // one, unless the body has ended) and calls `done`.
    virtual void read_body(std::span<char> buffer, Done done) = 0;

protected:
    ~BodyReader() = default;
};

}  // namespace isapi::host
