# Cross-compiling the Windows build (ProfileManager.exe) with Debian's gcc-mingw-w64-x86-64:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake
# The posix threading flavour of the compiler is preferred when present only because Debian's
# default alternative may point at either; both produce a statically linked exe.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(PM_MINGW_PREFIX x86_64-w64-mingw32 CACHE STRING "mingw-w64 target triplet")
find_program(CMAKE_C_COMPILER NAMES ${PM_MINGW_PREFIX}-gcc ${PM_MINGW_PREFIX}-gcc-posix
             ${PM_MINGW_PREFIX}-gcc-win32 REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${PM_MINGW_PREFIX}-windres)
find_program(CMAKE_AR NAMES ${PM_MINGW_PREFIX}-ar)
find_program(CMAKE_RANLIB NAMES ${PM_MINGW_PREFIX}-ranlib)

set(CMAKE_FIND_ROOT_PATH /usr/${PM_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The exe runs from a network share on machines with nothing installed: link libgcc and
# winpthread statically so it needs no DLL beyond Windows' own.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
# FindZLIB would otherwise pick the import library libz.dll.a (zlib1.dll at run time).
set(ZLIB_USE_STATIC_LIBS ON)
# mingw's C99-conforming printf family everywhere (msvcrt's knows no %zu or %lld on old
# systems); the public headers check format strings against it (gnu_printf).
set(CMAKE_C_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1")
