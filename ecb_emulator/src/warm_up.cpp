#include <isapi/ecb/warm_up.hpp>

#include "conn_registry.hpp"
#include "flush_timer.hpp"

namespace isapi::ecb {

void warm_up() {
    // Both are built once per process, on first use; here that use is now.
    (void)detail::ConnRegistry::instance();
    detail::FlushTimer::start();
}

}  // namespace isapi::ecb
