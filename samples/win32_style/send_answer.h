/*
 * send_answer.h - the Windows-style samples' one way to answer: a 200 with
 * a text/plain body and Content-Length, the connection kept open
 * (HSE_REQ_SEND_RESPONSE_HEADER_EX with fKeepConn, then WriteClient).
 * Returns the status to end the request with.
 */
#ifndef WIN32_STYLE_SEND_ANSWER_H
#define WIN32_STYLE_SEND_ANSWER_H

#include <windows.h>
#include <httpext.h>

static DWORD send_answer(EXTENSION_CONTROL_BLOCK* ecb, const char* body, int length)
{
    char headers[96];
    wsprintfA(headers, "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n", length);
    HSE_SEND_HEADER_EX_INFO header;
    ZeroMemory(&header, sizeof header);
    header.pszStatus = "200 OK";
    header.cchStatus = (DWORD)lstrlenA(header.pszStatus);
    header.pszHeader = headers;
    header.cchHeader = (DWORD)lstrlenA(headers);
    header.fKeepConn = TRUE;
    DWORD bytes = (DWORD)length;
    if (!ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &header, NULL, NULL) ||
        !ecb->WriteClient(ecb->ConnID, (LPVOID)body, &bytes, HSE_IO_SYNC)) {
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_SUCCESS_AND_KEEP_CONN;
}

#endif
