# Cross build for 64-bit Windows from Debian: mingw-w64 with POSIX threads
# (std::thread and std::mutex need them), tests run under Wine.
#
#   cmake --preset mingw && cmake --build --preset mingw && ctest --preset mingw
#
# The runtime (libgcc, libstdc++, winpthread) is linked statically, so an
# .exe or extension .dll runs on a bare Windows or Wine prefix without
# mingw's DLLs next to it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(ISAPI_MINGW_TRIPLET x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${ISAPI_MINGW_TRIPLET}-gcc-posix)
set(CMAKE_CXX_COMPILER ${ISAPI_MINGW_TRIPLET}-g++-posix)
set(CMAKE_RC_COMPILER ${ISAPI_MINGW_TRIPLET}-windres)

# Libraries and headers come from the mingw sysroot only: a Linux library
# found by accident would link or compile into something that cannot run.
set(CMAKE_FIND_ROOT_PATH /usr/${ISAPI_MINGW_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(ISAPI_MINGW_STATIC_RUNTIME "-static-libgcc -static-libstdc++ -static")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${ISAPI_MINGW_STATIC_RUNTIME}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${ISAPI_MINGW_STATIC_RUNTIME}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "${ISAPI_MINGW_STATIC_RUNTIME}")

# The libraries the project needs exist for Debian only as Linux builds;
# their headers are enough (see mingw-deps.cmake), and the Wine runner runs
# tests, including ctest's and Catch2's test discovery at build time.
# try_compile projects read this file too: they need neither.
if(NOT CMAKE_IN_TRY_COMPILE)
  include("${CMAKE_CURRENT_LIST_DIR}/mingw-deps.cmake")
  include("${CMAKE_CURRENT_LIST_DIR}/mingw-wine-runner.cmake")
endif()
