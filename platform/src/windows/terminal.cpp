#include <isapi/platform/terminal.hpp>

#include <cstdio>
#include <io.h>

namespace isapi::platform {

bool is_terminal(StandardStream stream) {
    return _isatty(_fileno(stream == StandardStream::output ? stdout : stderr)) != 0;
}

}  // namespace isapi::platform
