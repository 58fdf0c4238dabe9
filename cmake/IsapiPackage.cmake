# `cpack -G DEB` in a configured build folder: isapi-harness_<version>_<arch>.deb
# holding what IsapiInstall.cmake installs, under /usr (docs/packaging.md).
set(ISAPI_PACKAGE_CONTACT "isapi-harness maintainers <maintainers@isapi-harness.invalid>" CACHE STRING
    "Maintainer field of the Debian package: set your own when you publish a package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME isapi-harness)
set(CPACK_PACKAGE_VENDOR "isapi-harness")
set(CPACK_PACKAGE_CONTACT "${ISAPI_PACKAGE_CONTACT}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "test host and load generator for ISAPI extensions")
set(CPACK_PACKAGE_DESCRIPTION
"isapi-host serves ISAPI extensions (IIS's GetExtensionVersion and
HttpExtensionProc interface) over HTTP the way IIS hosts them: the extension
control block, server variables, cached and uncached modes, worker processes
that recycle like application pools. isapi-loadgen sends them load, measures
how many requests a DLL swap drops, and reproduces load/unload races from a
seed. With the ISAPI header and a CMake package for building extensions,
and sample extensions.")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # name_version_arch.deb, as Debian names them
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# Depends comes from the binaries' own needs (dpkg-shlibdeps, in dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What building an extension against the package takes, and what the docs'
# examples talk to the host with.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake (>= 3.17), gcc, curl")

# Every Debian package carries a changelog (lintian: no-changelog, an
# error): one entry for this version, dated at configure time (or
# SOURCE_DATE_EPOCH), compressed as policy asks (gzip -9n). The git history
# has the changes themselves.
string(TIMESTAMP changelog_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE "${PROJECT_BINARY_DIR}/package/changelog"
  "isapi-harness (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
  "  * Version ${PROJECT_VERSION} of isapi-harness.\n\n"
  " -- ${ISAPI_PACKAGE_CONTACT}  ${changelog_date}\n")
execute_process(COMMAND gzip -9nf changelog WORKING_DIRECTORY "${PROJECT_BINARY_DIR}/package"
                RESULT_VARIABLE gzip_result)
if(NOT gzip_result EQUAL 0)
  message(FATAL_ERROR "gzip -9n of the Debian changelog failed: ${gzip_result}")
endif()
install(FILES "${PROJECT_BINARY_DIR}/package/changelog.gz" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
include(CPack)
