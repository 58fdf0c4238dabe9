#include <isapi/platform/terminal.hpp>

#include <unistd.h>

namespace isapi::platform {

bool is_terminal(StandardStream stream) {
    return ::isatty(stream == StandardStream::output ? STDOUT_FILENO : STDERR_FILENO) == 1;
}

}  // namespace isapi::platform
