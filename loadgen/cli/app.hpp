#pragma once
// The isapi-loadgen command line: run, replay, convert-log, swap and swap-bench.
namespace isapi::loadgen {

int loadgen_main(int argc, char** argv);

}  // namespace isapi::loadgen
