// The secure CRT, lstr* and wsprintf of the Win32 compatibility layer,
// each against what Microsoft Learn documents for it (page names below).
#include <windows.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// A buffer that shows whether a failed call emptied it.
struct Filled {
    char text[8];
    Filled() { std::memcpy(text, "XXXXXXX", 8); }
};

int g_handler_calls = 0;
void counting_handler(const wchar_t*, const wchar_t*, const wchar_t*, unsigned int, uintptr_t) { ++g_handler_calls; }

// Runs fn in a child process; returns the signal that ended it, or 0.
template <typename Fn>
int signal_of_child(Fn fn) {
    pid_t child = fork();
    if (child == 0) {
        std::signal(SIGABRT, SIG_DFL);  // Catch's own handler would report the abort as a failure
        fn();
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

}  // namespace

// "strcpy_s, wcscpy_s, _mbscpy_s, _mbscpy_s_l": EINVAL for a null
// destination or size 0, EINVAL and an empty destination for a null source,
// ERANGE and an empty destination when the source does not fit.
TEST_CASE("strcpy_s copies what fits and empties the destination when it does not", "[win32_compat][crt]") {
    Filled d;
    CHECK(strcpy_s(d.text, sizeof d.text, "1234567") == 0);  // 7 and the terminator: exactly 8
    CHECK(std::string(d.text) == "1234567");
    Filled small;
    CHECK(strcpy_s(small.text, sizeof small.text, "12345678") == ERANGE);
    CHECK(errno == ERANGE);
    CHECK(small.text[0] == '\0');
    Filled null_source;
    CHECK(strcpy_s(null_source.text, sizeof null_source.text, nullptr) == EINVAL);
    CHECK(null_source.text[0] == '\0');
    Filled zero_size;
    CHECK(strcpy_s(zero_size.text, 0, "a") == EINVAL);
    CHECK(zero_size.text[0] == 'X');  // size 0: nothing may be written
    CHECK(strcpy_s(nullptr, 8, "a") == EINVAL);
}

TEST_CASE("strcpy_s and sprintf_s take the array's size in C++", "[win32_compat][crt]") {
    char d[4];
    CHECK(strcpy_s(d, "abc") == 0);
    CHECK(strcpy_s(d, "abcd") == ERANGE);
    CHECK(d[0] == '\0');
    CHECK(sprintf_s(d, "%d", 123) == 3);
    CHECK(std::string(d) == "123");
}

// "strncpy_s, _strncpy_s_l, ...": at most count characters; with
// _TRUNCATE as much as fits and STRUNCATE; otherwise ERANGE when the
// characters to copy do not fit.
TEST_CASE("strncpy_s copies count characters, truncates only when asked", "[win32_compat][crt]") {
    Filled d;
    CHECK(strncpy_s(d.text, sizeof d.text, "abcdef", 3) == 0);
    CHECK(std::string(d.text) == "abc");
    Filled t;
    CHECK(strncpy_s(t.text, sizeof t.text, "abcdefghij", _TRUNCATE) == STRUNCATE);
    CHECK(std::string(t.text) == "abcdefg");
    Filled r;
    CHECK(strncpy_s(r.text, sizeof r.text, "abcdefghij", 9) == ERANGE);
    CHECK(r.text[0] == '\0');
    CHECK(strncpy_s(nullptr, 0, "abc", 0) == 0);  // documented: nothing to do is not an error
}

// "strcat_s, wcscat_s, _mbscat_s, _mbscat_s_l" and "strncat_s...": an
// unterminated destination is EINVAL, a result that does not fit ERANGE,
// both with an empty destination.
TEST_CASE("strcat_s and strncat_s append what fits and refuse an unterminated destination", "[win32_compat][crt]") {
    char d[8] = "abc";
    CHECK(strcat_s(d, sizeof d, "def") == 0);
    CHECK(std::string(d) == "abcdef");
    CHECK(strcat_s(d, sizeof d, "gh") == ERANGE);
    CHECK(d[0] == '\0');
    char unterminated[4] = {'a', 'b', 'c', 'd'};
    CHECK(strcat_s(unterminated, sizeof unterminated, "x") == EINVAL);
    CHECK(unterminated[0] == '\0');
    char n[8] = "ab";
    CHECK(strncat_s(n, sizeof n, "cdef", 2) == 0);
    CHECK(std::string(n) == "abcd");
    CHECK(strncat_s(n, sizeof n, "efghij", _TRUNCATE) == STRUNCATE);
    CHECK(std::string(n) == "abcdefg");
}

// "memcpy_s, wmemcpy_s", "memmove_s, wmemmove_s": count 0 is nothing; a
// too-small destination is zeroed and ERANGE; a null source zeroes it, EINVAL.
TEST_CASE("memcpy_s and memmove_s zero the destination on a bad argument", "[win32_compat][crt]") {
    char d[4] = {1, 2, 3, 4};
    CHECK(memcpy_s(d, sizeof d, "abcdef", 0) == 0);
    CHECK(d[0] == 1);
    CHECK(memcpy_s(d, sizeof d, "abcdef", 6) == ERANGE);
    CHECK((d[0] == 0 && d[3] == 0));
    CHECK(memmove_s(d, sizeof d, nullptr, 2) == EINVAL);
    char overlap[6] = "abcde";
    CHECK(memmove_s(overlap + 1, 5, overlap, 4) == 0);
    CHECK(std::string(overlap) == "aabcd");
}

// "sprintf_s, _sprintf_s_l, ...": -1, an empty buffer and ERANGE when the
// output does not fit; formats read as Microsoft's ("Format specification
// syntax", "Size specification": l is 32 bits, I64 is 64, I is pointer-sized).
TEST_CASE("sprintf_s reads Microsoft's size prefixes and refuses a too-small buffer", "[win32_compat][crt]") {
    char d[64];
    DWORD dword = 4000000000u;
    LONG negative = -5;
    ULONGLONG big = 12345678901234ull;
    SIZE_T size = 77;
    CHECK(sprintf_s(d, sizeof d, "%lu %ld %I64u %Iu %s", dword, negative, big, size, "x") > 0);
    CHECK(std::string(d) == "4000000000 -5 12345678901234 77 x");
    CHECK(sprintf_s(d, sizeof d, "%5.2f|%-3d|%%|%c|%#x|%hd", 3.14159, 7, 'q', 255u, 65537) > 0);
    CHECK(std::string(d) == " 3.14|7  |%|q|0xff|1");
    char small[4];
    CHECK(sprintf_s(small, sizeof small, "%s", "abcd") == -1);
    CHECK(errno == ERANGE);
    CHECK(small[0] == '\0');
    // Wide-character conversions are not supported: refused, not misread.
    CHECK(sprintf_s(d, sizeof d, "%S", L"wide") == -1);
    CHECK(d[0] == '\0');
}

// "_snprintf_s, _snprintf_s_l, ...": count below the size truncates to
// count and returns -1 with no handler; _TRUNCATE truncates to what fits;
// count at or over the size with output that does not fit is ERANGE.
TEST_CASE("_snprintf_s truncates to count or _TRUNCATE and calls the handler otherwise", "[win32_compat][crt]") {
    _invalid_parameter_handler old = _set_invalid_parameter_handler(counting_handler);
    g_handler_calls = 0;
    char d[8];
    CHECK(_snprintf_s(d, sizeof d, 3, "%s", "abcdef") == -1);
    CHECK(std::string(d) == "abc");
    CHECK(_snprintf_s(d, sizeof d, _TRUNCATE, "%s", "abcdefghij") == -1);
    CHECK(std::string(d) == "abcdefg");
    CHECK(_snprintf_s(d, sizeof d, _TRUNCATE, "%d", 42) == 2);
    CHECK(g_handler_calls == 0);
    CHECK(_snprintf_s(d, sizeof d, 20, "%s", "abcdefghij") == -1);
    CHECK(d[0] == '\0');
    CHECK(g_handler_calls == 1);
    std::strcpy(d, "abc");
    CHECK(_snprintf_s(d, sizeof d, 0, "%s", "x") == -1);  // count 0 is an invalid parameter
    CHECK(errno == EINVAL);
    CHECK(g_handler_calls == 2);
    CHECK(_set_invalid_parameter_handler(old) == counting_handler);
}

TEST_CASE("strtok_s and strnlen_s behave as strtok_r and strnlen", "[win32_compat][crt]") {
    char text[] = "a,b;;c";
    char* context = nullptr;
    std::string seen;
    for (char* t = strtok_s(text, ",;", &context); t && seen.size() < 16; t = strtok_s(nullptr, ",;", &context))
        seen += t;
    CHECK(seen == "abc");
    CHECK(strnlen_s("abcdef", 3) == 3);
    CHECK(strnlen_s(nullptr, 3) == 0);
}

// "Parameter validation": the release runtime's default handler ends the
// process (fast fail); the layer does so when asked, by call or environment.
TEST_CASE("the release runtime's fast fail ends the process when switched on", "[win32_compat][crt]") {
    CHECK(signal_of_child([] {
              isapi_win32_set_fast_fail(1);
              char d[2];
              strcpy_s(d, sizeof d, "too long");
          }) == SIGABRT);
    CHECK(signal_of_child([] {
              setenv("ISAPI_WIN32_FAST_FAIL", "1", 1);
              char d[2];
              // The first bad call reads the environment: no earlier one in this child.
              sprintf_s(d, sizeof d, "%s", "too long");
          }) == SIGABRT);
    CHECK(signal_of_child([] {
              char d[2];
              strcpy_s(d, sizeof d, "too long");  // default: returns ERANGE
          }) == 0);
}

// "lstrlenA", "lstrcpyA", "lstrcpynA", "lstrcatA", "lstrcmpA", "lstrcmpiA".
TEST_CASE("lstrlen, lstrcpy, lstrcpyn, lstrcat and lstrcmp(i)", "[win32_compat][lstr]") {
    CHECK(lstrlenA("abc") == 3);
    CHECK(lstrlen(nullptr) == 0);  // documented: NULL has length 0
    char d[8];
    CHECK(lstrcpyA(d, "ab") == d);
    CHECK(lstrcatA(d, "cd") == d);
    CHECK(std::string(d) == "abcd");
    CHECK(lstrcpynA(d, "abcdefghij", 4) == d);  // iMaxLength counts the terminator
    CHECK(std::string(d) == "abc");
    CHECK(lstrcpyn(d, "xyz", 1) == d);
    CHECK(d[0] == '\0');
    CHECK(lstrcmpA("abc", "abd") < 0);
    CHECK(lstrcmpA("abc", "abc") == 0);
    CHECK(lstrcmpiA("ABC", "abc") == 0);
    CHECK(lstrcmpi("b", "A") > 0);
}

// "wsprintfA": at most 1024 bytes stored, the count returned excludes the
// terminator; %lu reads a 32-bit DWORD.
TEST_CASE("wsprintf formats Windows's way and stops at 1024 bytes", "[win32_compat][lstr]") {
    char d[1100];
    DWORD value = 7;
    CHECK(wsprintfA(d, "%lu-%s-%c", value, "x", 'y') == 5);
    CHECK(std::string(d) == "7-x-y");
    std::string long_text(1500, 'a');
    CHECK(wsprintf(d, "%s", long_text.c_str()) == 1023);
    CHECK(std::strlen(d) == 1023);
}
