/*
 * The module: DllMain at load and unload, module handles and names, and
 * OutputDebugString (Microsoft Learn: "DllMain entry point",
 * "DisableThreadLibraryCalls", "GetModuleFileNameA", "GetModuleHandleA",
 * "OutputDebugStringA").
 *
 * An HMODULE is the module's base address, as on Windows: what dladdr calls
 * dli_fbase, and dl_iterate_phdr's dlpi_addr for a shared object.
 */
#define _GNU_SOURCE
#include <windows.h>

#include <dlfcn.h>
#include <stdint.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handles.h"

/* The extension's DllMain, if it defines one: weak, so that an extension
   without one links and loads too. */
extern BOOL WINAPI DllMain(HINSTANCE hinstDLL, DWORD fdwReason, LPVOID lpvReserved) __attribute__((weak));

/* This module's base address: the layer is linked into the extension, so
   any of its addresses will do. */
static char g_inside_this_module;
static HMODULE this_module(void) {
    Dl_info info;
    return dladdr(&g_inside_this_module, &info) ? info.dli_fbase : NULL;
}

/* Runs inside dlopen, after the module's own constructors (the layer's
   library comes after the extension's objects on the link line, and
   .init_array runs in link order), as the CRT runs C++ constructors before
   DllMain. Threads it starts are charged to the module (docs/race-hunting.md). */
__attribute__((constructor)) static void process_attach(void) {
    if (DllMain && !DllMain(this_module(), DLL_PROCESS_ATTACH, NULL)) {
        /* On Windows LoadLibrary would fail; a constructor cannot fail dlopen. */
        OutputDebugStringA("DllMain(DLL_PROCESS_ATTACH) returned FALSE: on Windows the load would fail; "
                           "calling DLL_PROCESS_DETACH, as Windows does");
        DllMain(this_module(), DLL_PROCESS_DETACH, NULL);
    }
}

/* Runs inside dlclose, and at exit for a module still loaded then. */
__attribute__((destructor)) static void process_detach(void) {
    if (DllMain) DllMain(this_module(), DLL_PROCESS_DETACH, NULL);
    isapi_win32_handles_unload();
}

/* DLL_THREAD_ATTACH and DLL_THREAD_DETACH are never delivered, so there is
   nothing to turn off. */
BOOL WINAPI DisableThreadLibraryCalls(HMODULE hLibModule) {
    if (!hLibModule) {
        SetLastError(ERROR_INVALID_HANDLE);
        return FALSE;
    }
    return TRUE;
}

struct module_search {
    const char* wanted_name; /* a file name; NULL: the executable, or wanted_base */
    HMODULE wanted_base;
    HMODULE base;
    char path[PATH_MAX];
};

/* The name without its folder. */
static const char* file_part(const char* path) {
    const char* slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* NAME matches the file FILE as Windows matches module names: ignoring
   case, with ".dll" assumed when NAME has no extension. A Windows name
   "x.dll" matches the Linux build's "x.so" too: the same source names it. */
static int same_module(const char* name, const char* file) {
    const char* dot = strrchr(name, '.');
    size_t stem = dot ? (size_t)(dot - name) : strlen(name);
    const char* extension = dot ? dot : ".dll";
    if (strncasecmp(name, file, stem) != 0) return 0;
    const char* rest = file + stem;
    return strcasecmp(rest, extension) == 0 || (strcasecmp(extension, ".dll") == 0 && strcmp(rest, ".so") == 0);
}

/* Where the object's first loadable segment is mapped: what dladdr calls
   dli_fbase, also for a non-PIE executable, whose dlpi_addr is 0. */
static HMODULE base_of(const struct dl_phdr_info* info) {
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i)
        if (info->dlpi_phdr[i].p_type == PT_LOAD)
            return (HMODULE)((info->dlpi_addr + info->dlpi_phdr[i].p_vaddr) & ~(uintptr_t)(getpagesize() - 1));
    return NULL;
}

/* dl_iterate_phdr lists the executable first, with an empty name. */
static int visit(struct dl_phdr_info* info, size_t size, void* data) {
    (void)size;
    struct module_search* search = data;
    const char* path = info->dlpi_name ? info->dlpi_name : "";
    int executable = path[0] == '\0';
    HMODULE base = base_of(info);
    int hit = search->wanted_name ? !executable && same_module(search->wanted_name, file_part(path))
              : search->wanted_base ? base == search->wanted_base
                                    : executable;
    if (!hit) return 0;
    search->base = base;
    if (executable) {
        ssize_t n = readlink("/proc/self/exe", search->path, sizeof search->path - 1);
        search->path[n > 0 ? n : 0] = '\0';
    } else {
        snprintf(search->path, sizeof search->path, "%s", path);
    }
    return 1;
}

/* NULL names the executable, as on Windows. */
HMODULE WINAPI GetModuleHandleA(LPCSTR lpModuleName) {
    struct module_search search = {lpModuleName, NULL, NULL, ""};
    if (!dl_iterate_phdr(visit, &search)) {
        SetLastError(ERROR_MOD_NOT_FOUND);
        return NULL;
    }
    return search.base;
}

/* A too-small buffer gets the name truncated to nSize - 1 characters and
   terminated; the function then returns nSize and sets
   ERROR_INSUFFICIENT_BUFFER, as Windows XP and later do. */
DWORD WINAPI GetModuleFileNameA(HMODULE hModule, LPSTR lpFilename, DWORD nSize) {
    struct module_search search = {NULL, hModule, NULL, ""};
    if (!dl_iterate_phdr(visit, &search)) {
        SetLastError(ERROR_MOD_NOT_FOUND);
        return 0;
    }
    if (nSize == 0 || !lpFilename) {
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return 0;
    }
    size_t length = strlen(search.path);
    if (length >= nSize) {
        memcpy(lpFilename, search.path, nSize - 1);
        lpFilename[nSize - 1] = '\0';
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return nSize;
    }
    memcpy(lpFilename, search.path, length + 1);
    SetLastError(ERROR_SUCCESS);
    return (DWORD)length;
}

/* One line on stderr, where the host's log goes (a worker process inherits
   the host's stderr), in the host's log format, written with one write(2)
   so that lines from several threads do not interleave. */
VOID WINAPI OutputDebugStringA(LPCSTR lpOutputString) {
    const char* text = lpOutputString ? lpOutputString : "";
    size_t length = strlen(text);
    while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == '\r')) --length;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm local;
    localtime_r(&now.tv_sec, &local);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &local);
    char line[2048];
    int n = snprintf(line, sizeof line, "%s.%03ld debug [OutputDebugString pid %d] %.*s\n", stamp,
                     now.tv_nsec / 1000000L, (int)getpid(), (int)(length < 1900 ? length : 1900), text);
    if (n > 0) (void)!write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
