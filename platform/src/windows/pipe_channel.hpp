#pragma once
// The worker channel on Windows: the two ends of a fresh named pipe.
#include <windows.h>

#include <string>

namespace isapi::platform::windows {

struct PipeEnds {
    HANDLE parent = INVALID_HANDLE_VALUE;  // the server end, not inheritable
    HANDLE child = INVALID_HANDLE_VALUE;   // the client end, inheritable
};

// A connected byte-mode pipe under a name no other process can guess or have
// taken first, both ends opened for overlapped I/O (Asio drives them through
// its completion port). False with the reason in `error`; nothing is left
// open then.
bool make_pipe_ends(PipeEnds& ends, std::string& error);

}  // namespace isapi::platform::windows
