#define CATCH_CONFIG_MAIN
// Catch2 v2's console reporter throws while it prints a failed test whose
// name has ": " past the console width (79 by default), hiding the failure
// itself; our test names are sentences, so the width is raised.
#define CATCH_CONFIG_CONSOLE_WIDTH 200
#include <catch2/catch.hpp>
