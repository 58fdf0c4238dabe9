#pragma once
// Module events and findings, as a worker reports them to the front end
// (JSON in an `event` frame). Timestamps travel as steady-clock ticks: the
// monotonic clock is one clock for every process on the machine.
#include "../modules/module_manager.hpp"

#include <isapi/ecb/finding.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace isapi::host {

using WorkerEvent = std::variant<ModuleEvent, ecb::Finding>;

std::string encode_worker_event(const WorkerEvent& event);
// Throws std::runtime_error on text that is not a worker event.
WorkerEvent decode_worker_event(std::string_view json);

}  // namespace isapi::host
