# isapi_add_extension(NAME [WIN32_COMPAT] SOURCES...)
#
# Builds an ISAPI extension as a loadable module (NAME.so on Linux, NAME.dll
# on Windows) that exports only GetExtensionVersion, HttpExtensionProc and
# TerminateExtension, and compiles it against isapi::httpext (<httpext.h>).
#
# POSIX: a version script hides everything else. C++ sources are built with
# -fno-gnu-unique: STB_GNU_UNIQUE symbols (inline and template statics)
# would make the module NODELETE, and an uncached extension would then
# silently never unload.
# Windows: a module-definition file names the three exports, for MSVC and
# MinGW alike. Without it MinGW exports every global symbol, and a C++
# extension with a static libstdc++ would export the runtime's too.
#
# WIN32_COMPAT (Linux only; ignored on Windows, which has the real thing):
# source written for Windows compiles unchanged against the Win32
# compatibility layer's <windows.h>, whose library is linked into the module
# and calls the extension's DllMain at load and unload (docs/win32-compat.md).
#
# Three ways in, one function: find_package(isapi-harness) (the installed
# config defines isapi::httpext, then includes this file), add_subdirectory
# or FetchContent of the project, or include() of this file from a source
# checkout. The export lists are found beside this file when the function
# runs (CMAKE_CURRENT_FUNCTION_LIST_DIR), never through a variable: a
# variable set here would be scoped to the including directory, and a
# caller elsewhere would link with an empty --version-script=.

# The ISAPI ABI header: ours on POSIX, the SDK's on Windows, where include/
# stays off the path: its httpext.h would hide the SDK's of the same name.
if(NOT TARGET isapi::httpext)
  if(NOT EXISTS "${CMAKE_CURRENT_LIST_DIR}/../include/httpext.h")
    message(FATAL_ERROR "IsapiExtension.cmake: isapi::httpext is not defined and no include/httpext.h is beside "
                        "${CMAKE_CURRENT_LIST_DIR}; use find_package(isapi-harness) for an installed package")
  endif()
  add_library(isapi_httpext INTERFACE)
  add_library(isapi::httpext ALIAS isapi_httpext)
  if(NOT WIN32)
    get_filename_component(_isapi_include_dir "${CMAKE_CURRENT_LIST_DIR}/../include" ABSOLUTE)
    target_include_directories(isapi_httpext INTERFACE "$<BUILD_INTERFACE:${_isapi_include_dir}>")
    unset(_isapi_include_dir)
  endif()
endif()

function(isapi_add_extension name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "WIN32_COMPAT" "" "")
  if(NOT arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "isapi_add_extension(${name}): no sources given")
  endif()
  add_library(${name} MODULE ${arg_UNPARSED_ARGUMENTS})
  if(arg_WIN32_COMPAT AND NOT WIN32)
    if(NOT TARGET isapi::win32_compat)
      message(FATAL_ERROR "isapi_add_extension(${name} WIN32_COMPAT): isapi::win32_compat is not defined here; "
                          "use find_package(isapi-harness) or add_subdirectory of the project")
    endif()
    target_link_libraries(${name} PRIVATE isapi::win32_compat)
  endif()
  target_link_libraries(${name} PRIVATE isapi::httpext)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(WIN32)
    target_sources(${name} PRIVATE "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/extension-exports.def")
  else()
    target_link_options(${name} PRIVATE "LINKER:--version-script=${CMAKE_CURRENT_FUNCTION_LIST_DIR}/extension-exports.map")
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-gnu-unique>)
    endif()
  endif()
endfunction()
