/*
 * Microsoft's printf length modifiers differ from glibc's where it matters
 * on x86-64: Windows is LLP64, so %ld and %lu read a 32-bit LONG or DWORD,
 * which glibc's %ld would read as 64 bits. Each conversion is rewritten into
 * glibc's spelling before vsnprintf sees the format (Microsoft Learn:
 * "Format specification syntax: printf and wprintf functions", "Size
 * specification").
 */
#include "ms_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies one conversion (after its '%') from *in to out, rewritten; returns
   the bytes written, or -1 for an unsupported one. A rewrite is never longer
   than its source (I64 -> ll, I -> z, l dropped). */
static int rewrite_conversion(const char** in, char* out) {
    const char* p = *in;
    char* o = out;
    while (*p && strchr("-+ #0", *p)) *o++ = *p++;       /* flags */
    while (*p && strchr("0123456789*.", *p)) *o++ = *p++; /* width, precision */
    int wide = 0;
    if (p[0] == 'I' && p[1] == '6' && p[2] == '4') {
        *o++ = 'l', *o++ = 'l', p += 3;
    } else if (p[0] == 'I' && p[1] == '3' && p[2] == '2') {
        p += 3; /* int-sized: glibc's default */
    } else if (p[0] == 'I') {
        *o++ = 'z', p += 1; /* pointer-sized */
    } else if (p[0] == 'l' && p[1] == 'l') {
        *o++ = 'l', *o++ = 'l', p += 2;
    } else if (p[0] == 'l') {
        wide = (p[1] == 's' || p[1] == 'c'); /* l on an integer: 32-bit, dropped */
        p += 1;
    } else if (p[0] == 'h' || p[0] == 'z' || p[0] == 'j' || p[0] == 't' || p[0] == 'L') {
        *o++ = *p++;
        if (o[-1] == 'h' && *p == 'h') *o++ = *p++;
    }
    if (*p == 'S' || *p == 'C') wide = 1;
    if (wide || *p == '\0') return -1;
    *o++ = *p++;
    *in = p;
    return (int)(o - out);
}

int isapi_win32_vformat(char* out, size_t size, const char* format, va_list args) {
    size_t length = strlen(format);
    char* rewritten = malloc(length + 1); /* rewrites never grow */
    if (!rewritten) return -1;
    char* o = rewritten;
    for (const char* p = format; *p;) {
        if (*p != '%') {
            *o++ = *p++;
        } else if (p[1] == '%') {
            *o++ = '%', *o++ = '%', p += 2;
        } else {
            *o++ = *p++;
            int n = rewrite_conversion(&p, o);
            if (n < 0) {
                free(rewritten);
                return -1;
            }
            o += n;
        }
    }
    *o = '\0';
    int n = vsnprintf(out, size, rewritten, args);
    free(rewritten);
    return n;
}
