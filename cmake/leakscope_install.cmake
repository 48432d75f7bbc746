# `cmake --install` / `make install PREFIX=P`: the tools, the preload library, the profiler as a
# CMake package (leakscope::profiler) and a pkg-config module, the relay's unit and example config.
# Installed tools find one another relative to their own location (bin/, lib/../bin), never build/.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS leakscope fcm-relay fake-fcm loadgen scenario-run RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS leakscope-preload LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

# The profiler is a static archive; the archives it is made from are exported with it.
set_target_properties(leakscope_profiler PROPERTIES EXPORT_NAME profiler)
set_target_properties(leakscope_analyzer PROPERTIES EXPORT_NAME analyzer)
set_target_properties(leakscope_http PROPERTIES EXPORT_NAME http)
set(LEAKSCOPE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/leakscope)
install(TARGETS leakscope_profiler leakscope_analyzer leakscope_http EXPORT leakscopeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT leakscopeTargets NAMESPACE leakscope:: DESTINATION ${LEAKSCOPE_CMAKE_DIR})
install(DIRECTORY profiler/include/ analyzer/include/ http/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  PATTERN profile_source.h EXCLUDE)  # the CLI's libcurl input, not part of the exported libraries

# The leak-checking GoogleTest main, for other projects' test suites (built with LEAKSCOPE_TESTS).
if(TARGET leakscope_gtest_leakcheck)
  set_target_properties(leakscope_gtest_leakcheck PROPERTIES EXPORT_NAME gtest_leakcheck)
  install(TARGETS leakscope_gtest_leakcheck EXPORT leakscopeGTestTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT leakscopeGTestTargets NAMESPACE leakscope:: DESTINATION ${LEAKSCOPE_CMAKE_DIR})
  install(DIRECTORY profiler/gtest/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()

configure_package_config_file(cmake/leakscopeConfig.cmake.in ${CMAKE_BINARY_DIR}/leakscopeConfig.cmake
  INSTALL_DESTINATION ${LEAKSCOPE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/leakscopeConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/leakscopeConfig.cmake ${CMAKE_BINARY_DIR}/leakscopeConfigVersion.cmake
  DESTINATION ${LEAKSCOPE_CMAKE_DIR})

# pkg-config: the prefix is taken from the .pc file's own location, so a moved prefix still works.
file(RELATIVE_PATH LEAKSCOPE_PC_TO_PREFIX /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
configure_file(cmake/leakscope-profiler.pc.in ${CMAKE_BINARY_DIR}/leakscope-profiler.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/leakscope-profiler.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The relay's systemd unit names the installed fcm-relay: its /usr/local paths follow the install prefix
# (bin/ and share/ are GNUInstallDirs' defaults).
set(LEAKSCOPE_RELAY_SHARE ${CMAKE_INSTALL_DATADIR}/leakscope/fcm-relay)
install(FILES relay/deploy/fcm-relay.toml.example DESTINATION ${LEAKSCOPE_RELAY_SHARE})
install(CODE "set(LEAKSCOPE_UNIT_SOURCE \"${CMAKE_CURRENT_SOURCE_DIR}/relay/deploy/fcm-relay.service\")
  set(LEAKSCOPE_UNIT_DESTINATION \"${LEAKSCOPE_RELAY_SHARE}\")")
install(SCRIPT cmake/install_systemd_unit.cmake)
