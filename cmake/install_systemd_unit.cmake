# Install-time step of leakscope_install.cmake: copies fcm-relay.service with its /usr/local paths
# replaced by the prefix actually installed to (cmake --install --prefix, or CPack's /usr).
file(READ ${LEAKSCOPE_UNIT_SOURCE} unit)
string(REPLACE "/usr/local/" "${CMAKE_INSTALL_PREFIX}/" unit "${unit}")
set(out "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${LEAKSCOPE_UNIT_DESTINATION}/fcm-relay.service")
message(STATUS "Installing: ${out}")
file(WRITE ${out} "${unit}")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES ${out})
