# Warnings are set per target, never globally, so extensions and third-party
# code keep their own settings.
function(isapi_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wno-unused-parameter)
  endif()
endfunction()
