# Layers the build enforces. A program whose folders are layers (host/,
# loadgen/) declares each folder as one static library with the folders it
# may use. Every time a folder's files change, the build checks their
# #include lines against that list before compiling, so an include that
# reaches up a layer (or sideways to an undeclared folder) fails the build
# with the file, the line and the allowed folders, instead of quietly
# tangling the design. docs/architecture.md draws the layers.
#
# isapi_add_layer(<prefix> <folder>
#                 SOURCES <files...>           relative to <folder>
#                 [USES <folders...>]          lower layers of the same program
#                 [LINK <targets...>]          other libraries, PUBLIC
#                 [PRIVATE_LINK <targets...>])
# makes the target <prefix>_<folder>. Includes are checked in both spellings
# the sources use: "../<folder>/x.hpp" and "<folder>/x.hpp".

set(ISAPI_LAYER_CHECK_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/check_layer_includes.cmake")

function(isapi_add_layer prefix folder)
  cmake_parse_arguments(PARSE_ARGV 2 L "" "" "SOURCES;USES;LINK;PRIVATE_LINK")
  set(target "${prefix}_${folder}")
  list(TRANSFORM L_SOURCES PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/${folder}/")
  add_library(${target} STATIC ${L_SOURCES})
  set(uses_targets ${L_USES})
  list(TRANSFORM uses_targets PREPEND "${prefix}_")
  target_link_libraries(${target} PUBLIC ${uses_targets} ${L_LINK} PRIVATE ${L_PRIVATE_LINK})
  isapi_set_warnings(${target})

  # Every folder of the program is a layer name an include may mention.
  file(GLOB children LIST_DIRECTORIES true RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}/*")
  set(layers "")
  foreach(child IN LISTS children)
    if(IS_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}/${child}")
      list(APPEND layers ${child})
    endif()
  endforeach()
  file(GLOB files CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*.hpp"
                                    "${CMAKE_CURRENT_SOURCE_DIR}/${folder}/*.cpp")
  set(stamp "${CMAKE_CURRENT_BINARY_DIR}/${target}.layering")
  add_custom_command(
    OUTPUT "${stamp}"
    COMMAND "${CMAKE_COMMAND}" "-DFOLDER=${CMAKE_CURRENT_SOURCE_DIR}/${folder}" "-DLAYERS=${layers}"
            "-DUSES=${L_USES}" "-DSTAMP=${stamp}" -P "${ISAPI_LAYER_CHECK_SCRIPT}"
    DEPENDS ${files} "${ISAPI_LAYER_CHECK_SCRIPT}"
    COMMENT "Checking the includes of ${folder}/ against its layers"
    VERBATIM)
  add_custom_target(${target}_layering DEPENDS "${stamp}")
  add_dependencies(${target} ${target}_layering)
endfunction()
