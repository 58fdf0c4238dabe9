# Run as a script (cmake -P) by isapi_add_layer: fails when a file in FOLDER
# includes a header of a sibling folder that is not in USES.
#   FOLDER  the layer's folder      LAYERS  every sibling folder's name
#   USES    the folders it may use  STAMP   written when all is well
cmake_minimum_required(VERSION 3.25)
get_filename_component(self "${FOLDER}" NAME)
file(GLOB files "${FOLDER}/*.hpp" "${FOLDER}/*.cpp")
set(violations "")
foreach(file IN LISTS files)
  file(STRINGS "${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS includes)
    if(NOT line MATCHES "\"(\\.\\./)?([A-Za-z0-9_]+)/")
      continue()
    endif()
    set(used "${CMAKE_MATCH_2}")
    if(used STREQUAL self OR NOT used IN_LIST LAYERS OR used IN_LIST USES)
      continue()
    endif()
    get_filename_component(name "${file}" NAME)
    string(STRIP "${line}" line)
    string(APPEND violations "\n  ${self}/${name}: ${line}")
  endforeach()
endforeach()
if(violations)
  string(REPLACE ";" ", " allowed "${USES}")
  if(allowed STREQUAL "")
    set(allowed "none")
  endif()
  message(FATAL_ERROR "${self}/ includes folders it does not build on (its layers: ${allowed}):${violations}\n"
                      "Move the shared code down a layer, or declare the dependency in CMakeLists.txt if it "
                      "really belongs there (docs/architecture.md).")
endif()
file(WRITE "${STAMP}" "")
