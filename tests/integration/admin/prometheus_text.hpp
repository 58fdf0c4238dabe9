#pragma once
// A strict reader of the Prometheus text exposition format (0.0.4), for the
// metrics tests: every sample must belong to a family announced by a TYPE
// line before it, label values must be quoted and escaped as the format
// says, and values must be numbers. It throws, naming the line, otherwise.
#include <map>
#include <string>
#include <vector>

namespace isapi::itest {

struct PromSample {
    std::string name;  // e.g. isapi_request_duration_seconds_bucket
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct PromText {
    std::map<std::string, std::string> types;  // family -> counter, gauge, histogram, ...
    std::vector<PromSample> samples;

    // The samples named `name` whose labels include every one of `with`.
    std::vector<PromSample> find(const std::string& name, const std::map<std::string, std::string>& with = {}) const;
};

PromText parse_prometheus_text(const std::string& text);

}  // namespace isapi::itest
