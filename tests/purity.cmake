# The pure cores take time, randomness and bytes in and give bytes, events and decisions out:
# no clocks, sockets, threads, files or logging inside (that is what lets sim/ run the peers'
# real decisions). Fails listing every source of a core that reaches for one of them.
# cmake -DROOT=<repository> -P purity.cmake
set(cores config gossip placement node/peer node/convert)
set(forbidden
  "#include <(thread|mutex|shared_mutex|condition_variable|future|atomic|fstream|iostream|filesystem|random|ctime|cstdio)>"
  "#include <(unistd|fcntl|netdb|poll|signal)\\.h>"
  "#include <(sys|netinet)/"
  "#include <(boost|spdlog|asio)"
  "(steady_clock|system_clock|high_resolution_clock|random_device|randombytes)"
  "std::(rand|srand|getenv|this_thread)"
  "[^a-z_:.](getenv|fopen|printf|puts|time)\\(")
set(bad "")
foreach(core ${cores})
  file(GLOB files ${ROOT}/${core}/*.cpp ${ROOT}/${core}/*.hpp)
  foreach(f ${files})
    file(STRINGS ${f} lines)
    set(n 0)
    foreach(line IN LISTS lines)
      math(EXPR n "${n} + 1")
      if(line MATCHES "^[ \t]*//")  # a comment may name what the core leaves to its host
        continue()
      endif()
      foreach(pattern ${forbidden})
        if(line MATCHES "${pattern}")
          string(APPEND bad "\n  ${f}:${n}: ${line}")
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()
if(bad)
  message(FATAL_ERROR "a pure core reaches for I/O, a clock, a thread or randomness:${bad}")
endif()
string(JOIN ", " names ${cores})
message(STATUS "pure cores (${names}): no I/O")
