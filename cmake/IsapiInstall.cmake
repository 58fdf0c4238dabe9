# What `cmake --install` puts under a prefix (docs/packaging.md):
#   bin/                                 isapi-host, isapi-loadgen
#   include/isapi-harness/               httpext.h
#   include/isapi-harness/win32_compat/  windows.h, for WIN32_COMPAT (Linux)
#   lib/isapi-harness/                   the Win32 compatibility library
#   lib/cmake/isapi-harness/             the CMake package: config, version
#                                        file, targets, isapi_add_extension
#   lib/isapi-harness/samples/           the bundled sample extensions
#   share/doc/isapi-harness/             README.md, the license as copyright
# Every installed path is relative to the prefix (nothing names this source
# or build tree), so an installed tree still works after it is moved.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ISAPI_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/isapi-harness")
set(ISAPI_INSTALL_SAMPLESDIR "${CMAKE_INSTALL_LIBDIR}/isapi-harness/samples")
set(ISAPI_INSTALL_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}/isapi-harness")

# The programs, as imported targets isapi::host and isapi::loadgen too, so
# an extension's own tests can run $<TARGET_FILE:isapi::host>.
set(programs isapi-host)
set_target_properties(isapi-host PROPERTIES EXPORT_NAME host)
if(TARGET isapi-loadgen)
  list(APPEND programs isapi-loadgen)
  set_target_properties(isapi-loadgen PROPERTIES EXPORT_NAME loadgen)
endif()
install(TARGETS ${programs} EXPORT isapi-harness-targets RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

# The ABI header. On Windows extensions use the SDK's httpext.h instead.
set_target_properties(isapi_httpext PROPERTIES EXPORT_NAME httpext)
install(TARGETS isapi_httpext EXPORT isapi-harness-targets)
if(NOT WIN32)
  target_include_directories(isapi_httpext INTERFACE "$<INSTALL_INTERFACE:${ISAPI_INSTALL_INCLUDEDIR}>")
  install(FILES include/httpext.h DESTINATION "${ISAPI_INSTALL_INCLUDEDIR}")
endif()

# The Win32 compatibility layer (docs/win32-compat.md), for
# isapi_add_extension(... WIN32_COMPAT): its own include folder, so that
# <windows.h> is on the path only of extensions that asked for it.
if(TARGET isapi_win32_compat)
  set_target_properties(isapi_win32_compat PROPERTIES EXPORT_NAME win32_compat)
  target_include_directories(isapi_win32_compat PUBLIC "$<INSTALL_INTERFACE:${ISAPI_INSTALL_INCLUDEDIR}/win32_compat>")
  install(TARGETS isapi_win32_compat EXPORT isapi-harness-targets
          ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}/isapi-harness")
  install(FILES win32_compat/include/windows.h win32_compat/include/isapi_win32_crt.h
          DESTINATION "${ISAPI_INSTALL_INCLUDEDIR}/win32_compat")
endif()

# The samples of samples/CMakeLists.txt (not the buggy ones of the race
# hunts): something to serve right away, crash and stuck to try worker
# isolation on, and the v1/v2 pair `isapi-loadgen swap --samples-dir` swaps.
install(TARGETS hello echo redirect transmit slow async crash stuck version_v1 version_v2 server_vars_dump
        LIBRARY DESTINATION "${ISAPI_INSTALL_SAMPLESDIR}")

install(EXPORT isapi-harness-targets NAMESPACE isapi:: FILE isapi-harnessTargets.cmake
        DESTINATION "${ISAPI_INSTALL_CMAKEDIR}")
configure_package_config_file(cmake/isapi-harnessConfig.cmake.in
  "${PROJECT_BINARY_DIR}/isapi-harnessConfig.cmake"
  INSTALL_DESTINATION "${ISAPI_INSTALL_CMAKEDIR}"
  PATH_VARS ISAPI_INSTALL_SAMPLESDIR)
# 0.x: a minor release may break extensions' builds, so only the same
# major.minor matches.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/isapi-harnessConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${PROJECT_BINARY_DIR}/isapi-harnessConfig.cmake"
  "${PROJECT_BINARY_DIR}/isapi-harnessConfigVersion.cmake"
  cmake/IsapiExtension.cmake cmake/extension-exports.map cmake/extension-exports.def
  DESTINATION "${ISAPI_INSTALL_CMAKEDIR}")

# Debian keeps a package's license in /usr/share/doc/<package>/copyright.
install(FILES README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(FILES LICENSE DESTINATION "${CMAKE_INSTALL_DOCDIR}" RENAME copyright)
