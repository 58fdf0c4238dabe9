// isapi-loadgen: see cli/app.cpp for the command line and docs/loadgen.md.
#include "cli/app.hpp"

int main(int argc, char** argv) { return isapi::loadgen::loadgen_main(argc, argv); }
