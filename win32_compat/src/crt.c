/*
 * The CRT's secure string functions (Microsoft Learn: "strcpy_s, wcscpy_s,
 * _mbscpy_s, _mbscpy_s_l", "strncpy_s...", "strcat_s...", "strncat_s...",
 * "sprintf_s...", "_snprintf_s...", "memcpy_s, wmemcpy_s", "memmove_s,
 * wmemmove_s", "Parameter validation", "_set_invalid_parameter_handler").
 * Each bad argument goes through invalid_parameter(): the user's handler,
 * or the release runtime's fast fail when asked for, and otherwise a return
 * to the documented result.
 */
#include "isapi_win32_crt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ms_format.h"

static _invalid_parameter_handler g_handler;
static int g_fast_fail = -1; /* -1: as the environment says, at each bad call */

_invalid_parameter_handler _set_invalid_parameter_handler(_invalid_parameter_handler pNew) {
    return __atomic_exchange_n(&g_handler, pNew, __ATOMIC_SEQ_CST);
}
_invalid_parameter_handler _get_invalid_parameter_handler(void) { return __atomic_load_n(&g_handler, __ATOMIC_SEQ_CST); }
void isapi_win32_set_fast_fail(int on) { __atomic_store_n(&g_fast_fail, on ? 1 : 0, __ATOMIC_SEQ_CST); }

static int fast_fail_wanted(void) {
    int wanted = __atomic_load_n(&g_fast_fail, __ATOMIC_SEQ_CST);
    if (wanted >= 0) return wanted;
    const char* env = getenv("ISAPI_WIN32_FAST_FAIL");
    return env && env[0] == '1';
}

/* Sets errno to CODE and returns it, after the handler ran (and returned). */
static errno_t invalid_parameter(const char* function, errno_t code) {
    _invalid_parameter_handler handler = _get_invalid_parameter_handler();
    if (handler) {
        handler(NULL, NULL, NULL, 0, 0); /* the release runtime passes no names */
    } else if (fast_fail_wanted()) {
        char line[160];
        int n = snprintf(line, sizeof line, "isapi win32 compat: invalid parameter in %s: fast fail, as the MSVC release runtime\n",
                         function);
        if (n > 0) (void)!write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        abort();
    }
    errno = code;
    return code;
}

errno_t strcpy_s(char* dest, size_t dest_size, const char* src) {
    if (!dest || dest_size == 0) return invalid_parameter("strcpy_s", EINVAL);
    if (!src) {
        dest[0] = '\0';
        return invalid_parameter("strcpy_s", EINVAL);
    }
    size_t n = strnlen(src, dest_size);
    if (n == dest_size) {
        dest[0] = '\0';
        return invalid_parameter("strcpy_s", ERANGE);
    }
    memcpy(dest, src, n + 1);
    return 0;
}

/* strncpy_s and strncat_s: append at most COUNT bytes of SRC at dest+start. */
static errno_t append_counted(const char* function, char* dest, size_t dest_size, size_t start, const char* src,
                              size_t count) {
    size_t n = strnlen(src, count == _TRUNCATE ? (size_t)-1 : count);
    if (start + n >= dest_size) {
        if (count != _TRUNCATE) {
            dest[0] = '\0';
            return invalid_parameter(function, ERANGE);
        }
        n = dest_size - 1 - start;
        memcpy(dest + start, src, n);
        dest[start + n] = '\0';
        return STRUNCATE;
    }
    memcpy(dest + start, src, n);
    dest[start + n] = '\0';
    return 0;
}

errno_t strncpy_s(char* dest, size_t dest_size, const char* src, size_t count) {
    if (count == 0 && !dest && dest_size == 0) return 0; /* documented: nothing to do */
    if (!dest || dest_size == 0) return invalid_parameter("strncpy_s", EINVAL);
    if (!src) {
        dest[0] = '\0';
        return invalid_parameter("strncpy_s", EINVAL);
    }
    return append_counted("strncpy_s", dest, dest_size, 0, src, count);
}

/* The length of dest's string, or dest_size when it is not terminated. */
static errno_t string_to_append_to(const char* function, char* dest, size_t dest_size, const char* src,
                                   size_t* length) {
    if (!dest || dest_size == 0) return invalid_parameter(function, EINVAL);
    if (!src) {
        dest[0] = '\0';
        return invalid_parameter(function, EINVAL);
    }
    *length = strnlen(dest, dest_size);
    if (*length == dest_size) {
        dest[0] = '\0';
        return invalid_parameter(function, EINVAL);
    }
    return 0;
}

errno_t strcat_s(char* dest, size_t dest_size, const char* src) {
    size_t length = 0;
    errno_t bad = string_to_append_to("strcat_s", dest, dest_size, src, &length);
    if (bad) return bad;
    size_t n = strlen(src);
    if (length + n >= dest_size) {
        dest[0] = '\0';
        return invalid_parameter("strcat_s", ERANGE);
    }
    memcpy(dest + length, src, n + 1);
    return 0;
}

errno_t strncat_s(char* dest, size_t dest_size, const char* src, size_t count) {
    size_t length = 0;
    errno_t bad = string_to_append_to("strncat_s", dest, dest_size, src, &length);
    if (bad) return bad;
    return append_counted("strncat_s", dest, dest_size, length, src, count);
}

static errno_t copy_memory(const char* function, void* dest, size_t dest_size, const void* src, size_t count) {
    if (count == 0) return 0;
    if (!dest) return invalid_parameter(function, EINVAL);
    if (!src || dest_size < count) {
        memset(dest, 0, dest_size);
        return invalid_parameter(function, src ? ERANGE : EINVAL);
    }
    memmove(dest, src, count); /* memmove serves memcpy_s too: overlap is the caller's bug, not a crash here */
    return 0;
}
errno_t memcpy_s(void* dest, size_t dest_size, const void* src, size_t count) {
    return copy_memory("memcpy_s", dest, dest_size, src, count);
}
errno_t memmove_s(void* dest, size_t dest_size, const void* src, size_t count) {
    return copy_memory("memmove_s", dest, dest_size, src, count);
}

size_t strnlen_s(const char* str, size_t max_count) { return str ? strnlen(str, max_count) : 0; }

char* strtok_s(char* str, const char* delimiters, char** context) {
    if (!delimiters || !context || (!str && !*context)) {
        invalid_parameter("strtok_s", EINVAL);
        return NULL;
    }
    return strtok_r(str, delimiters, context);
}

int vsprintf_s(char* buffer, size_t size, const char* format, va_list args) {
    if (!buffer || size == 0) return invalid_parameter("vsprintf_s", EINVAL), -1;
    if (!format) {
        buffer[0] = '\0';
        return invalid_parameter("vsprintf_s", EINVAL), -1;
    }
    int n = isapi_win32_vformat(buffer, size, format, args);
    if (n < 0 || (size_t)n >= size) {
        buffer[0] = '\0';
        return invalid_parameter("vsprintf_s", n < 0 ? EINVAL : ERANGE), -1;
    }
    return n;
}

int sprintf_s(char* buffer, size_t size, const char* format, ...) {
    va_list args;
    va_start(args, format);
    int n = vsprintf_s(buffer, size, format, args);
    va_end(args);
    return n;
}

int _vsnprintf_s(char* buffer, size_t size, size_t count, const char* format, va_list args) {
    if (!buffer || size == 0) return invalid_parameter("_vsnprintf_s", EINVAL), -1;
    if (!format || count == 0) {
        buffer[0] = '\0';
        return invalid_parameter("_vsnprintf_s", EINVAL), -1;
    }
    /* Room for COUNT bytes and the terminator, or as many as fit. */
    size_t limit = count == _TRUNCATE ? size - 1 : count;
    size_t room = limit < size ? limit + 1 : size;
    int n = isapi_win32_vformat(buffer, room, format, args);
    if (n < 0) {
        buffer[0] = '\0';
        return invalid_parameter("_vsnprintf_s", EINVAL), -1;
    }
    if ((size_t)n < room) return n;
    if (limit < size) return -1; /* truncated as asked (count or _TRUNCATE): no handler */
    buffer[0] = '\0';
    return invalid_parameter("_vsnprintf_s", ERANGE), -1;
}

int _snprintf_s(char* buffer, size_t size, size_t count, const char* format, ...) {
    va_list args;
    va_start(args, format);
    int n = _vsnprintf_s(buffer, size, count, format, args);
    va_end(args);
    return n;
}
