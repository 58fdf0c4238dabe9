/*
 * sample_util.h - small helpers shared by the sample extensions.
 *
 * Plain C11 against <httpext.h>: the same code compiles for IIS. Everything is
 * static so each extension keeps its own copy and exports nothing but its
 * ISAPI entry points.
 */
#ifndef ISAPI_SAMPLE_UTIL_H
#define ISAPI_SAMPLE_UTIL_H

#include <httpext.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Reads a server variable into a malloc'd, NUL-terminated string. Tries a
 * small buffer first and retries with the size GetServerVariable asks for
 * when it fails with ERROR_INSUFFICIENT_BUFFER.
 * Returns NULL when the variable is unknown (ERROR_INVALID_INDEX), has no
 * value (ERROR_NO_DATA) or memory runs out; the caller frees the result.
 */
static inline char* sample_get_variable(EXTENSION_CONTROL_BLOCK* ecb, const char* name)
{
    DWORD size = 128;
    for (int attempt = 0; attempt < 4; ++attempt) {
        char* buffer = (char*)malloc(size);
        if (buffer == NULL) {
            return NULL;
        }
        DWORD in_out = size;
        if (ecb->GetServerVariable(ecb->ConnID, (LPSTR)name, buffer, &in_out)) {
            if (in_out == 0 || in_out > size) {
                buffer[0] = '\0';
            } else {
                buffer[in_out - 1] = '\0'; /* in_out counts the terminating NUL */
            }
            return buffer;
        }
        DWORD error = GetLastError();
        free(buffer);
        if (error != ERROR_INSUFFICIENT_BUFFER || in_out <= size) {
            return NULL;
        }
        size = in_out; /* the required size, NUL included */
    }
    return NULL;
}

static inline int sample_hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decodes %XX escapes and '+' (form encoding) from src[0..len) into dst,
 * which holds at least len + 1 bytes. A malformed escape is kept as is.
 * Returns the decoded length. */
static inline size_t sample_url_decode(const char* src, size_t len, char* dst)
{
    size_t out = 0;
    for (size_t i = 0; i < len; ++i) {
        char c = src[i];
        if (c == '+') {
            dst[out++] = ' ';
        } else if (c == '%' && i + 2 < len && sample_hex_digit(src[i + 1]) >= 0 &&
                   sample_hex_digit(src[i + 2]) >= 0) {
            dst[out++] = (char)(sample_hex_digit(src[i + 1]) * 16 + sample_hex_digit(src[i + 2]));
            i += 2;
        } else {
            dst[out++] = c;
        }
    }
    dst[out] = '\0';
    return out;
}

/*
 * Finds `name` in a query string like "a=1&b=2" and returns its decoded value
 * as a malloc'd string ("" for "name" or "name="), or NULL when absent.
 */
static inline char* sample_query_param(const char* query, const char* name)
{
    if (query == NULL) {
        return NULL;
    }
    size_t name_len = strlen(name);
    const char* p = query;
    while (*p != '\0') {
        const char* end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= name_len && strncmp(p, name, name_len) == 0 && (len == name_len || p[name_len] == '=')) {
            const char* value = p + name_len + (len > name_len ? 1 : 0);
            size_t value_len = len - (size_t)(value - p);
            char* decoded = (char*)malloc(value_len + 1);
            if (decoded != NULL) {
                sample_url_decode(value, value_len, decoded);
            }
            return decoded;
        }
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    return NULL;
}

/*
 * Fills HSE_VERSION_INFO the way every sample does: ISAPI 6.0 and a
 * description, truncated to fit. Returns TRUE for GetExtensionVersion.
 */
static inline BOOL sample_version_info(HSE_VERSION_INFO* pVer, const char* description)
{
    pVer->dwExtensionVersion = HSE_VERSION;
    strncpy(pVer->lpszExtensionDesc, description, HSE_MAX_EXT_DLL_NAME_LEN - 1);
    pVer->lpszExtensionDesc[HSE_MAX_EXT_DLL_NAME_LEN - 1] = '\0';
    return TRUE;
}

/*
 * Sends a prepared header block (ending in "\r\n\r\n"; body bytes may follow
 * it) with HSE_REQ_SEND_RESPONSE_HEADER_EX, keeping the connection, and logs
 * the status in dwHttpStatusCode.
 */
static inline BOOL sample_send_header_block(EXTENSION_CONTROL_BLOCK* ecb, const char* status, const char* block,
                                            size_t block_len)
{
    HSE_SEND_HEADER_EX_INFO info;
    info.pszStatus = status;
    info.cchStatus = (DWORD)strlen(status);
    info.pszHeader = block;
    info.cchHeader = (DWORD)block_len;
    info.fKeepConn = TRUE;
    ecb->dwHttpStatusCode = (DWORD)atoi(status);
    return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, NULL, NULL);
}

/*
 * Sends a complete response with HSE_REQ_SEND_RESPONSE_HEADER_EX: the status,
 * Content-Type, Content-Length and any extra header lines (each ending in
 * "\r\n"), with the body following the header block in the same call.
 * Returns FALSE if the header could not be built or sent.
 */
static inline BOOL sample_send_response(EXTENSION_CONTROL_BLOCK* ecb, const char* status, const char* content_type,
                                 const char* extra_headers, const char* body, size_t body_len)
{
    char head[512];
    int head_len = snprintf(head, sizeof head, "Content-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
                            content_type, body_len, extra_headers ? extra_headers : "");
    if (head_len < 0 || (size_t)head_len >= sizeof head) {
        return FALSE;
    }
    char* block = (char*)malloc((size_t)head_len + body_len + 1);
    if (block == NULL) {
        return FALSE;
    }
    memcpy(block, head, (size_t)head_len);
    if (body_len > 0) {
        memcpy(block + head_len, body, body_len);
    }
    block[(size_t)head_len + body_len] = '\0';

    BOOL ok = sample_send_header_block(ecb, status, block, (size_t)head_len + body_len);
    free(block);
    return ok;
}

/* Sends a short text/plain answer, e.g. for 400 or 404. */
static inline DWORD sample_send_text(EXTENSION_CONTROL_BLOCK* ecb, const char* status, const char* text)
{
    if (!sample_send_response(ecb, status, "text/plain", NULL, text, strlen(text))) {
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_SUCCESS;
}

#endif /* ISAPI_SAMPLE_UTIL_H */
