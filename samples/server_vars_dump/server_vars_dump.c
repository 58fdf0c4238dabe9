/*
 * server_vars_dump - asks GetServerVariable for every variable IIS documents,
 * in order, the way diagnostic extensions written for IIS do.
 *
 *   GET /vars.dll/...  -> one line per variable of server_variable_table.h:
 *                         "NAME=value", or "NAME!CODE" when the call fails
 *                         with GetLastError() == CODE.
 *
 * Values are escaped so that each stays on its line: CR as \r, LF as \n,
 * backslash as \\. UNICODE_ answers (UTF-16LE, sizes in bytes) are checked
 * for an even size and a two-byte terminator ("NAME!wide-size" otherwise) and
 * written back as UTF-8.
 */
#include <httpext.h>

#include "common/sample_util.h"
#include "server_variable_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Not in every httpext.h: it comes from winerror.h on Windows. */
#ifndef ERROR_NOT_ENOUGH_MEMORY
#define ERROR_NOT_ENOUGH_MEMORY 8L
#endif

#define NAME_OF(name, expected, source) name,
static const char* const kNames[] = {SERVER_VARIABLE_TABLE(NAME_OF)};

/* A growable text buffer; `failed` sticks once memory runs out. */
typedef struct {
    char* data;
    size_t length;
    size_t capacity;
    int failed;
} Text;

static void text_append(Text* t, const char* bytes, size_t n)
{
    if (t->failed) {
        return;
    }
    if (t->length + n + 1 > t->capacity) {
        size_t capacity = t->capacity ? t->capacity : 4096;
        while (t->length + n + 1 > capacity) {
            capacity *= 2;
        }
        char* grown = (char*)realloc(t->data, capacity);
        if (grown == NULL) {
            t->failed = 1;
            return;
        }
        t->data = grown;
        t->capacity = capacity;
    }
    memcpy(t->data + t->length, bytes, n);
    t->length += n;
}

static void text_append_escaped(Text* t, const char* bytes, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        const char c = bytes[i];
        if (c == '\r') {
            text_append(t, "\\r", 2);
        } else if (c == '\n') {
            text_append(t, "\\n", 2);
        } else if (c == '\\') {
            text_append(t, "\\\\", 2);
        } else {
            text_append(t, &c, 1);
        }
    }
}

/* Appends one UTF-16 code unit as UTF-8; a lone surrogate half becomes '?'. */
static void text_append_unit(Text* t, unsigned unit)
{
    char out[3];
    if (unit < 0x80) {
        out[0] = (char)unit;
        text_append_escaped(t, out, 1);
    } else if (unit < 0x800) {
        out[0] = (char)(0xC0 | (unit >> 6));
        out[1] = (char)(0x80 | (unit & 0x3F));
        text_append(t, out, 2);
    } else if (unit >= 0xD800 && unit <= 0xDFFF) {
        text_append(t, "?", 1);
    } else {
        out[0] = (char)(0xE0 | (unit >> 12));
        out[1] = (char)(0x80 | ((unit >> 6) & 0x3F));
        out[2] = (char)(0x80 | (unit & 0x3F));
        text_append(t, out, 3);
    }
}

/* Calls GetServerVariable, growing the buffer as asked (a few times at most).
 * Returns the bytes (size in *size, terminator included) or NULL with the
 * error in *error. */
static char* read_variable(EXTENSION_CONTROL_BLOCK* ecb, const char* name, DWORD* size, DWORD* error)
{
    DWORD capacity = 64;
    for (int attempt = 0; attempt < 4; ++attempt) {
        char* buffer = (char*)malloc(capacity);
        if (buffer == NULL) {
            *error = ERROR_NOT_ENOUGH_MEMORY;
            return NULL;
        }
        *size = capacity;
        if (ecb->GetServerVariable(ecb->ConnID, (LPSTR)name, buffer, size)) {
            return buffer;
        }
        *error = GetLastError();
        free(buffer);
        if (*error != ERROR_INSUFFICIENT_BUFFER || *size <= capacity) {
            return NULL;
        }
        capacity = *size;
    }
    return NULL;
}

static void dump_one(EXTENSION_CONTROL_BLOCK* ecb, const char* name, Text* out)
{
    DWORD size = 0;
    DWORD error = 0;
    char line[64];
    text_append(out, name, strlen(name));
    char* value = read_variable(ecb, name, &size, &error);
    if (value == NULL) {
        snprintf(line, sizeof line, "!%lu\n", (unsigned long)error);
        text_append(out, line, strlen(line));
        return;
    }
    if (strncmp(name, "UNICODE_", 8) != 0) {
        text_append(out, "=", 1);
        text_append_escaped(out, value, size > 0 ? size - 1 : 0);
    } else if (size < 2 || size % 2 != 0 || value[size - 1] != 0 || value[size - 2] != 0) {
        text_append(out, "!wide-size", 10);
    } else {
        text_append(out, "=", 1);
        const unsigned char* bytes = (const unsigned char*)value;
        for (DWORD i = 0; i + 2 < size; i += 2) {
            text_append_unit(out, (unsigned)bytes[i] | ((unsigned)bytes[i + 1] << 8));
        }
    }
    text_append(out, "\n", 1);
    free(value);
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "server_vars_dump sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    Text out = {NULL, 0, 0, 0};
    for (size_t i = 0; i < sizeof kNames / sizeof kNames[0]; ++i) {
        dump_one(pECB, kNames[i], &out);
    }
    BOOL ok = !out.failed && sample_send_response(pECB, "200 OK", "text/plain", NULL, out.data, out.length);
    free(out.data);
    return ok ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
