# `make package`: a Debian package of the installed tree (CPack DEB), run-time Depends computed by
# dpkg-shlibdeps (dpkg-dev) from the ELF files it holds.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME leakscope)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "heap profiling and leak diagnosis for C++ services on jemalloc")
set(CPACK_PACKAGE_CONTACT "leakscope developers <leakscope@localhost>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# dlopen()ed, so invisible to dpkg-shlibdeps: the profiler's fast unwinder (backtrace_hook.cpp).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libunwind8")
include(CPack)
