# isapi_add_extension(NAME SOURCES...)
#
# Builds an ISAPI extension as a loadable module (NAME.so on Linux, NAME.dll
# on Windows) that exports only GetExtensionVersion, HttpExtensionProc and
# TerminateExtension. C++ sources are built with -fno-gnu-unique: STB_GNU_UNIQUE
# symbols (inline and template statics) would make the module NODELETE, and an
# uncached extension would then silently never unload.
set(ISAPI_EXTENSION_EXPORTS "${CMAKE_CURRENT_LIST_DIR}/extension-exports.map")

function(isapi_add_extension name)
  if(NOT ARGN)
    message(FATAL_ERROR "isapi_add_extension(${name}): no sources given")
  endif()
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE isapi::httpext)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(NOT WIN32)
    target_link_options(${name} PRIVATE "LINKER:--version-script=${ISAPI_EXTENSION_EXPORTS}")
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-gnu-unique>)
    endif()
  endif()
endfunction()
