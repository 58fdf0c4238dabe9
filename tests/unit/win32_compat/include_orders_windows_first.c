/* The other order: <windows.h> first, as most ISAPI source has it. */
#include <windows.h>
#include <httpext.h>

int isapi_win32_order_windows_first(void);
int isapi_win32_order_windows_first(void) { return min(3, 4) + (int)sizeof(HSE_VERSION_INFO) * 0; }
