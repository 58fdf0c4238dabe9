# Warnings are set per target, never globally, so extensions and third-party
# code keep their own settings.
function(isapi_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4)
  else()
    # -Wnon-virtual-dtor is C++'s alone: GCC warns about it for C sources.
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor> -Wno-unused-parameter)
  endif()
endfunction()
