#include <isapi/platform/environment.hpp>

#include <cstdlib>
#include <cstring>

namespace isapi::platform {

std::optional<std::string> take_environment_variable(const char* name) {
    std::optional<std::string> value;
    if (char* bytes = std::getenv(name)) {
        value = bytes;
        std::memset(bytes, 0, value->size());
    }
#ifdef _WIN32
    // An empty value removes the variable, from the C runtime's copy and
    // from the process environment that CreateProcess passes on.
    ::_putenv_s(name, "");
#else
    ::unsetenv(name);
#endif
    return value;
}

}  // namespace isapi::platform
