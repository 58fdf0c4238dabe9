/*
 * lstr* and wsprintf (Microsoft Learn: "lstrlenA", "lstrcpyA", "lstrcpynA",
 * "lstrcatA", "lstrcmpA", "lstrcmpiA", "wsprintfA", "wvsprintfA").
 */
#include <windows.h>

#include <string.h>

#include "ms_format.h"

int WINAPI lstrlenA(LPCSTR lpString) { return lpString ? (int)strlen(lpString) : 0; }

/* lstrcpy and lstrcat have no size: an overflow is the caller's, and the
   sanitizers see it in the caller's buffer. Windows returns NULL where a
   structured exception was caught; here a bad pointer simply faults. */
LPSTR WINAPI lstrcpyA(LPSTR lpString1, LPCSTR lpString2) {
    if (!lpString1 || !lpString2) return NULL;
    return strcpy(lpString1, lpString2);
}

LPSTR WINAPI lstrcatA(LPSTR lpString1, LPCSTR lpString2) {
    if (!lpString1 || !lpString2) return NULL;
    return strcat(lpString1, lpString2);
}

/* Copies at most iMaxLength - 1 characters and always terminates. */
LPSTR WINAPI lstrcpynA(LPSTR lpString1, LPCSTR lpString2, int iMaxLength) {
    if (!lpString1 || !lpString2 || iMaxLength <= 0) return NULL;
    size_t n = strnlen(lpString2, (size_t)iMaxLength - 1);
    memmove(lpString1, lpString2, n);
    lpString1[n] = '\0';
    return lpString1;
}

/* Windows compares with the user's locale (CompareString); this is the
   C locale's byte order: the same sign for plain ASCII letters and digits,
   not for punctuation, which Windows's word sort orders differently. */
int WINAPI lstrcmpA(LPCSTR lpString1, LPCSTR lpString2) {
    int c = strcmp(lpString1 ? lpString1 : "", lpString2 ? lpString2 : "");
    return (c > 0) - (c < 0);
}

int WINAPI lstrcmpiA(LPCSTR lpString1, LPCSTR lpString2) {
    int c = strcasecmp(lpString1 ? lpString1 : "", lpString2 ? lpString2 : "");
    return (c > 0) - (c < 0);
}

/* wsprintf writes at most 1024 bytes, the terminator included, and returns
   the characters stored without it. */
int WINAPI wvsprintfA(LPSTR buffer, LPCSTR format, va_list arglist) {
    enum { kWsprintfMax = 1024 };
    if (!buffer || !format) return -1;
    int n = isapi_win32_vformat(buffer, kWsprintfMax, format, arglist);
    if (n < 0) {
        buffer[0] = '\0';
        return -1;
    }
    return n < kWsprintfMax ? n : kWsprintfMax - 1;
}

int WINAPIV wsprintfA(LPSTR buffer, LPCSTR format, ...) {
    va_list args;
    va_start(args, format);
    int n = wvsprintfA(buffer, format, args);
    va_end(args);
    return n;
}
