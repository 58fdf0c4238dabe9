/* Microsoft printf formats read on glibc (internal to the layer). */
#ifndef ISAPI_WIN32_MS_FORMAT_H
#define ISAPI_WIN32_MS_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

/* Formats like vsnprintf, reading FORMAT as Microsoft's printf does; returns
   the length of the whole output, or -1 for a conversion the layer does not
   support (the wide-character ones: %S, %ls, %lc, %C). */
int isapi_win32_vformat(char* out, size_t size, const char* format, va_list args);

#endif
