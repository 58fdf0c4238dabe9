// The DllMain probe as C++: DllMain defined without extern "C" gets C
// linkage from windows.h's declaration, and the layer's constructor finds it.
#define PROBE_NAME "win32_compat_dllmain_probe_cpp"
#include "dllmain_probe.c"
