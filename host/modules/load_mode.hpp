#pragma once
#include <string_view>

namespace isapi::host {

// IIS's "Cache ISAPI applications": cached keeps a module loaded until the
// host stops; uncached unloads it as soon as no request is using it.
enum class LoadMode { cached, uncached };

constexpr std::string_view to_string(LoadMode mode) { return mode == LoadMode::cached ? "cached" : "uncached"; }

}  // namespace isapi::host
