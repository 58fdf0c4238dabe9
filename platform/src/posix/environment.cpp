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
    ::unsetenv(name);
    return value;
}

}  // namespace isapi::platform
