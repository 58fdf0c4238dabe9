#pragma once
// The page frame the swap pages share with run's and replay's is in the
// report layer (report/html_page.hpp), which the swap layer uses.
#include "../report/html_page.hpp"
