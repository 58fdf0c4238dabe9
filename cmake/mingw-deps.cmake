# Header-only stand-ins for the packages the project finds, for the mingw
# cross build (Debian ships them for Linux only). A folder in the build tree
# holds links to just these libraries' headers, never the whole
# /usr/include, whose glibc headers would shadow mingw's. Each package gets
# a small config file defining the imported target the project links.
# Google Benchmark is a compiled library: the benchmarks stay Linux-only.
set(ISAPI_MINGW_DEPS "${CMAKE_BINARY_DIR}/deps")
file(MAKE_DIRECTORY "${ISAPI_MINGW_DEPS}/include" "${ISAPI_MINGW_DEPS}/cmake")
foreach(dir boost spdlog fmt CLI nlohmann catch2)
  if(NOT EXISTS "/usr/include/${dir}")
    message(FATAL_ERROR "/usr/include/${dir} is missing: run scripts/install-deps.sh first")
  endif()
  file(CREATE_LINK "/usr/include/${dir}" "${ISAPI_MINGW_DEPS}/include/${dir}" SYMBOLIC)
endforeach()

# isapi_mingw_package(PACKAGE VERSION TARGET [DEFINITIONS...])
function(isapi_mingw_package package version target)
  set(config "${ISAPI_MINGW_DEPS}/cmake/${package}")
  file(WRITE "${config}/${package}Config.cmake"
    "if(NOT TARGET ${target})\n"
    "  add_library(${target} INTERFACE IMPORTED)\n"
    "  set_target_properties(${target} PROPERTIES\n"
    "    INTERFACE_INCLUDE_DIRECTORIES \"${ISAPI_MINGW_DEPS}/include\"\n"
    "    INTERFACE_COMPILE_DEFINITIONS \"${ARGN}\")\n"
    "endif()\n")
  file(WRITE "${config}/${package}ConfigVersion.cmake"
    "set(PACKAGE_VERSION ${version})\n"
    "set(PACKAGE_VERSION_COMPATIBLE TRUE)\n"
    "if(PACKAGE_FIND_VERSION AND PACKAGE_FIND_VERSION_MAJOR VERSION_GREATER ${version})\n"
    "  set(PACKAGE_VERSION_COMPATIBLE FALSE)\n"
    "endif()\n")
  set(${package}_DIR "${config}" CACHE PATH "header-only ${package} for the mingw build" FORCE)
endfunction()

# Versions are the Debian 12 packages'. Debian's spdlog is patched to use the
# external fmt, which then has to be header-only too.
isapi_mingw_package(Boost 1.81.0 Boost::headers)
isapi_mingw_package(spdlog 1.10.0 spdlog::spdlog SPDLOG_HEADER_ONLY FMT_HEADER_ONLY)
isapi_mingw_package(fmt 9.1.0 fmt::fmt FMT_HEADER_ONLY)
isapi_mingw_package(CLI11 2.1.2 CLI11::CLI11)
isapi_mingw_package(nlohmann_json 3.11.2 nlohmann_json::nlohmann_json)
isapi_mingw_package(Catch2 2.13.10 Catch2::Catch2)
# Catch.cmake (catch_discover_tests) is a host-side script: Debian's serves.
file(APPEND "${ISAPI_MINGW_DEPS}/cmake/Catch2/Catch2Config.cmake"
  "list(APPEND CMAKE_MODULE_PATH /usr/lib/cmake/Catch2)\n")
# Asio needs Winsock; every Boost user here is an Asio user.
file(APPEND "${ISAPI_MINGW_DEPS}/cmake/Boost/BoostConfig.cmake"
  "set_property(TARGET Boost::headers APPEND PROPERTY INTERFACE_LINK_LIBRARIES ws2_32 mswsock)\n"
  "set_property(TARGET Boost::headers APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS _WIN32_WINNT=0x0A00)\n"
  "set(Boost_VERSION 1.81.0)\nset(Boost_FOUND TRUE)\n")
