#pragma once
// The isapi-loadgen command line: run, replay and convert-log.
namespace isapi::loadgen {

int loadgen_main(int argc, char** argv);

}  // namespace isapi::loadgen
