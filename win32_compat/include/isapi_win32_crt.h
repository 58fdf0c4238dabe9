/*
 * isapi_win32_crt.h - the Microsoft CRT's secure string functions for the
 * Win32 compatibility layer (<windows.h> includes it). On Windows they come
 * with <string.h> and <stdio.h>; glibc has none of them.
 *
 * A bad argument (a null pointer, a destination too small) goes to the
 * invalid-parameter handler, as in the CRT. By default that handler returns,
 * and the function then does what Microsoft documents for that case: the
 * destination becomes an empty string, errno and the return value say
 * EINVAL or ERANGE. The MSVC release runtime's own default handler ends the
 * process at once (fast fail); set ISAPI_WIN32_FAST_FAIL=1 in the
 * environment, or call isapi_win32_set_fast_fail(1), to get that instead:
 * a line on stderr, then abort(). docs/win32-compat.md has the details.
 *
 * printf-style formats are read as Microsoft's: %ld and %lu are 32-bit
 * (LONG, DWORD), %I64d is 64-bit, %Id is pointer-sized.
 */
#ifndef ISAPI_HARNESS_WIN32_CRT_H
#define ISAPI_HARNESS_WIN32_CRT_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int errno_t;
#ifndef STRUNCATE
#define STRUNCATE 80
#endif
#define _TRUNCATE ((size_t)-1)

typedef void (*_invalid_parameter_handler)(const wchar_t* expression, const wchar_t* function, const wchar_t* file,
                                           unsigned int line, uintptr_t reserved);
_invalid_parameter_handler _set_invalid_parameter_handler(_invalid_parameter_handler pNew);
_invalid_parameter_handler _get_invalid_parameter_handler(void);
/* Not Microsoft's: turns the release runtime's fast fail on (1) or off (0). */
void isapi_win32_set_fast_fail(int on);

errno_t strcpy_s(char* dest, size_t dest_size, const char* src);
errno_t strncpy_s(char* dest, size_t dest_size, const char* src, size_t count);
errno_t strcat_s(char* dest, size_t dest_size, const char* src);
errno_t strncat_s(char* dest, size_t dest_size, const char* src, size_t count);
errno_t memcpy_s(void* dest, size_t dest_size, const void* src, size_t count);
errno_t memmove_s(void* dest, size_t dest_size, const void* src, size_t count);
size_t strnlen_s(const char* str, size_t max_count);
int sprintf_s(char* buffer, size_t size, const char* format, ...);
int vsprintf_s(char* buffer, size_t size, const char* format, va_list args);
int _snprintf_s(char* buffer, size_t size, size_t count, const char* format, ...);
int _vsnprintf_s(char* buffer, size_t size, size_t count, const char* format, va_list args);
char* strtok_s(char* str, const char* delimiters, char** context);
#define _stricmp strcasecmp
#define _strnicmp strncasecmp
#define _strdup strdup

#ifdef __cplusplus
}

/* The CRT's C++ overloads that take the array's size from its type. */
template <size_t N>
inline errno_t strcpy_s(char (&dest)[N], const char* src) { return strcpy_s(dest, N, src); }
template <size_t N>
inline errno_t strncpy_s(char (&dest)[N], const char* src, size_t count) { return strncpy_s(dest, N, src, count); }
template <size_t N>
inline errno_t strcat_s(char (&dest)[N], const char* src) { return strcat_s(dest, N, src); }
template <size_t N>
inline errno_t strncat_s(char (&dest)[N], const char* src, size_t count) { return strncat_s(dest, N, src, count); }
template <size_t N>
inline int vsprintf_s(char (&buffer)[N], const char* format, va_list args) { return vsprintf_s(buffer, N, format, args); }
template <size_t N>
inline int sprintf_s(char (&buffer)[N], const char* format, ...) {
    va_list args;
    va_start(args, format);
    int n = vsprintf_s(buffer, N, format, args);
    va_end(args);
    return n;
}
template <size_t N>
inline int _snprintf_s(char (&buffer)[N], size_t count, const char* format, ...) {
    va_list args;
    va_start(args, format);
    int n = _vsnprintf_s(buffer, N, count, format, args);
    va_end(args);
    return n;
}
#endif

#endif /* ISAPI_HARNESS_WIN32_CRT_H */
