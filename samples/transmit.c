/*
 * transmit - sends a file with HSE_REQ_TRANSMIT_FILE, asynchronously, with a
 * head and a tail around the file bytes.
 *
 *   GET /transmit.dll            -> the sample file this extension writes to
 *                                   the temp directory in GetExtensionVersion
 *                                   (kLines lines "transmit sample line NNNNNN\n")
 *   GET /transmit.dll?file=a.txt -> a.txt from the folder of PATH_TRANSLATED;
 *                                   names with "..", a leading '/' or a '\'
 *                                   get 400, a missing file 404.
 * The name is a file name, never a path: an absolute ?file= is refused, not
 * trusted. The folder is checked too, as a careful extension would: a
 * PATH_TRANSLATED with a ".." segment, or outside APPL_PHYSICAL_PATH (the
 * site root), gets 400, so a host that passed such a path (as isapi-host did
 * for /transmit.dll/../x) still cannot make this sample read outside the root.
 * The body is "--- head ---\n" + file + "--- tail ---\n", announced with a
 * Content-Length by SEND_RESPONSE_HEADER_EX before the transmit. The
 * completion routine closes the file and calls HSE_REQ_DONE_WITH_SESSION.
 *
 * A file HANDLE is a file descriptor on POSIX (HSE_FD_TO_HANDLE) and a Win32
 * handle on Windows; only the few lines that open, size and close the file
 * differ between the two.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#define SAMPLE_FILE HANDLE
#define SAMPLE_NO_FILE INVALID_HANDLE_VALUE
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define SAMPLE_FILE int
#define SAMPLE_NO_FILE (-1)
#endif

static const char kHead[] = "--- head ---\n";
static const char kTail[] = "--- tail ---\n";
enum { kLines = 4096 };

static char g_default_path[1024];

/* Per-request state, owned by the completion routine once the transmit starts. */
typedef struct transmit_context {
    SAMPLE_FILE file;
} transmit_context;

/* ---- the OS-specific part ------------------------------------------------ */
#if defined(_WIN32)
static SAMPLE_FILE open_for_read(const char* path, unsigned long long* size)
{
    HANDLE file = CreateFileA(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
    LARGE_INTEGER length;
    if (file != INVALID_HANDLE_VALUE && !GetFileSizeEx(file, &length)) {
        CloseHandle(file);
        return INVALID_HANDLE_VALUE;
    }
    if (file != INVALID_HANDLE_VALUE) {
        *size = (unsigned long long)length.QuadPart;
    }
    return file;
}
static void close_file(SAMPLE_FILE file) { CloseHandle(file); }
/* NTFS names ignore case. */
static int path_starts_with(const char* path, const char* prefix) { return _strnicmp(path, prefix, strlen(prefix)) == 0; }
static HANDLE as_handle(SAMPLE_FILE file) { return file; }
static BOOL make_default_path(char* out, size_t size)
{
    char dir[MAX_PATH];
    DWORD n = GetTempPathA(MAX_PATH, dir);
    return n > 0 && n < MAX_PATH &&
           snprintf(out, size, "%sisapi-transmit-%lu-%p.txt", dir, GetCurrentProcessId(), (void*)g_default_path) <
               (int)size;
}
#else
static SAMPLE_FILE open_for_read(const char* path, unsigned long long* size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat info;
    if (fd >= 0 && (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))) {
        close(fd);
        return -1;
    }
    if (fd >= 0) {
        *size = (unsigned long long)info.st_size;
    }
    return fd;
}
static void close_file(SAMPLE_FILE file) { close(file); }
static int path_starts_with(const char* path, const char* prefix) { return strncmp(path, prefix, strlen(prefix)) == 0; }
static HANDLE as_handle(SAMPLE_FILE file) { return HSE_FD_TO_HANDLE(file); }
static BOOL make_default_path(char* out, size_t size)
{
    const char* dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "/tmp";
    }
    /* The process id and this copy's own address keep two loaded copies of
     * the sample (say transmit.so and a renamed app.isa) from sharing a file. */
    return snprintf(out, size, "%s/isapi-transmit-%ld-%p.txt", dir, (long)getpid(), (void*)g_default_path) <
           (int)size;
}
#endif

/* ---- the ISAPI part -------------------------------------------------------- */
static BOOL write_default_file(void)
{
    if (!make_default_path(g_default_path, sizeof g_default_path)) {
        return FALSE;
    }
    FILE* out = fopen(g_default_path, "wb");
    if (out == NULL) {
        return FALSE;
    }
    BOOL ok = TRUE;
    for (int line = 0; line < kLines && ok; ++line) {
        ok = fprintf(out, "transmit sample line %06d\n", line) > 0;
    }
    if (fclose(out) != 0) {
        ok = FALSE;
    }
    if (!ok) {
        remove(g_default_path);
    }
    return ok;
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    sample_version_info(pVer, "transmit sample");
    return write_default_file();
}

static VOID WINAPI on_transmit_complete(EXTENSION_CONTROL_BLOCK* pECB, PVOID pContext, DWORD cbIO, DWORD dwError)
{
    (void)cbIO;
    transmit_context* context = (transmit_context*)pContext;
    close_file(context->file);
    free(context);
    DWORD status = dwError == 0 ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
    pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, NULL, NULL);
}

/* A name is safe when it stays inside the folder: no "..", no absolute path,
 * no backslash or drive letter. */
static int is_safe_name(const char* name)
{
    return name[0] != '\0' && name[0] != '/' && strstr(name, "..") == NULL && strchr(name, '\\') == NULL &&
           strchr(name, ':') == NULL;
}

/* True when `path` has a ".." segment, with '/' or '\\' as separators. */
static int has_parent_segment(const char* path)
{
    for (const char* p = strstr(path, ".."); p != NULL; p = strstr(p + 1, "..")) {
        int starts = p == path || p[-1] == '/' || p[-1] == '\\';
        int ends = p[2] == '\0' || p[2] == '/' || p[2] == '\\';
        if (starts && ends) {
            return 1;
        }
    }
    return 0;
}

/* True when `translated` lies under the site root the server reports (or the
 * server reports none). */
static int inside_site_root(EXTENSION_CONTROL_BLOCK* ecb, const char* translated)
{
    char* root = sample_get_variable(ecb, "APPL_PHYSICAL_PATH");
    int inside = root == NULL || root[0] == '\0' || path_starts_with(translated, root);
    free(root);
    return inside && !has_parent_segment(translated);
}

/* Resolves ?file= against the folder of PATH_TRANSLATED into a malloc'd path,
 * or sets *status to the error to answer. */
static char* resolve_requested(EXTENSION_CONTROL_BLOCK* ecb, const char* name, const char** status)
{
    if (!is_safe_name(name)) {
        *status = "400 Bad Request";
        return NULL;
    }
    char* translated = sample_get_variable(ecb, "PATH_TRANSLATED");
    if (translated == NULL || translated[0] == '\0') {
        free(translated);
        *status = "404 Not Found";
        return NULL;
    }
    if (!inside_site_root(ecb, translated)) {
        free(translated);
        *status = "400 Bad Request";
        return NULL;
    }
    char* slash = strrchr(translated, '/');
    char* backslash = strrchr(translated, '\\');
    if (backslash != NULL && (slash == NULL || backslash > slash)) {
        slash = backslash;
    }
    size_t folder_len = slash ? (size_t)(slash - translated) + 1 : 0;
    char* path = (char*)malloc(folder_len + strlen(name) + 1);
    if (path == NULL) {
        free(translated);
        *status = "500 Internal Server Error";
        return NULL;
    }
    memcpy(path, translated, folder_len);
    strcpy(path + folder_len, name);
    free(translated);
    return path;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    const char* error_status = "404 Not Found";
    char* requested = sample_query_param(pECB->lpszQueryString, "file");
    char* path = NULL;
    if (requested != NULL) {
        path = resolve_requested(pECB, requested, &error_status);
        free(requested);
        if (path == NULL) {
            return sample_send_text(pECB, error_status, "cannot send that file\n");
        }
    }

    unsigned long long size = 0;
    SAMPLE_FILE file = open_for_read(path ? path : g_default_path, &size);
    free(path);
    if (file == SAMPLE_NO_FILE) {
        return sample_send_text(pECB, "404 Not Found", "no such file\n");
    }
    transmit_context* context = (transmit_context*)malloc(sizeof *context);
    if (context == NULL) {
        close_file(file);
        return HSE_STATUS_ERROR;
    }
    context->file = file;

    char head[128];
    int head_len = snprintf(head, sizeof head, "Content-Type: text/plain\r\nContent-Length: %llu\r\n\r\n",
                            size + (sizeof kHead - 1) + (sizeof kTail - 1));
    if (!sample_send_header_block(pECB, "200 OK", head, (size_t)head_len)) {
        close_file(file);
        free(context);
        return HSE_STATUS_ERROR;
    }

    HSE_TF_INFO info;
    memset(&info, 0, sizeof info);
    info.pfnHseIO = on_transmit_complete;
    info.pContext = context;
    info.hFile = as_handle(file);
    info.BytesToWrite = 0; /* to the end of the file */
    info.Offset = 0;
    info.pHead = (PVOID)kHead;
    info.HeadLength = (DWORD)(sizeof kHead - 1);
    info.pTail = (PVOID)kTail;
    info.TailLength = (DWORD)(sizeof kTail - 1);
    info.dwFlags = HSE_IO_ASYNC;
    if (!pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_TRANSMIT_FILE, &info, NULL, NULL)) {
        /* The transmit never started, so no completion will come. */
        close_file(file);
        free(context);
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_PENDING;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    if (g_default_path[0] != '\0') {
        remove(g_default_path);
        g_default_path[0] = '\0';
    }
    return TRUE;
}
