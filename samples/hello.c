/*
 * hello - the smallest useful ISAPI extension.
 *
 *   GET /hello.dll          -> "Hello from ISAPI\n" (the benchmark target: one
 *                              SEND_RESPONSE_HEADER_EX carrying headers and body)
 *   GET /hello.dll?vars=1   -> one "NAME=value" line per server variable below,
 *                              read with GetServerVariable (retrying on
 *                              ERROR_INSUFFICIENT_BUFFER); "NAME=(none)" when
 *                              the variable is unknown or has no value.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* const kVariables[] = {
    "REQUEST_METHOD", "QUERY_STRING", "PATH_INFO", "SCRIPT_NAME", "REMOTE_ADDR", "SERVER_PORT", "HTTP_USER_AGENT",
};

/* Built once: the whole response to the cheap path, header block and body. */
#define HELLO_BODY "Hello from ISAPI\n"
static const char kHelloResponse[] = "Content-Type: text/plain\r\n"
                                     "Content-Length: 17\r\n"
                                     "\r\n" HELLO_BODY;
_Static_assert(sizeof HELLO_BODY - 1 == 17, "Content-Length must match the body");

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "hello sample");
}

static DWORD send_hello(EXTENSION_CONTROL_BLOCK* ecb)
{
    if (!sample_send_header_block(ecb, "200 OK", kHelloResponse, sizeof kHelloResponse - 1)) {
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_SUCCESS;
}

static DWORD send_variables(EXTENSION_CONTROL_BLOCK* ecb)
{
    size_t capacity = 1024;
    size_t length = 0;
    char* body = (char*)malloc(capacity);
    if (body == NULL) {
        return HSE_STATUS_ERROR;
    }
    for (size_t i = 0; i < sizeof kVariables / sizeof kVariables[0]; ++i) {
        char* value = sample_get_variable(ecb, kVariables[i]);
        const char* shown = value ? value : "(none)";
        size_t needed = strlen(kVariables[i]) + 1 + strlen(shown) + 2;
        if (length + needed > capacity) {
            while (length + needed > capacity) {
                capacity *= 2;
            }
            char* grown = (char*)realloc(body, capacity);
            if (grown == NULL) {
                free(value);
                free(body);
                return HSE_STATUS_ERROR;
            }
            body = grown;
        }
        length += (size_t)snprintf(body + length, capacity - length, "%s=%s\n", kVariables[i], shown);
        free(value);
    }
    BOOL ok = sample_send_response(ecb, "200 OK", "text/plain", NULL, body, length);
    free(body);
    return ok ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    const char* query = pECB->lpszQueryString;
    if (query != NULL && query[0] != '\0') {
        char* vars = sample_query_param(query, "vars");
        int wanted = vars != NULL && strcmp(vars, "0") != 0;
        free(vars);
        if (wanted) {
            return send_variables(pECB);
        }
    }
    return send_hello(pECB);
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
