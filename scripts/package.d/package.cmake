# The Debian package (scripts/package runs it): install rules and CPack's DEB settings. Included
# by the top-level CMakeLists.txt; the files it installs live beside it in scripts/package.d/.
set(pkg ${CMAKE_CURRENT_LIST_DIR})
include(GNUInstallDirs)

install(TARGETS shoal shoal-sim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${pkg}/shoal.service DESTINATION /lib/systemd/system)
install(FILES ${pkg}/peer.toml DESTINATION /etc/shoal)
install(DIRECTORY DESTINATION /etc/shoal/services)
install(FILES ${pkg}/shoal.bash-completion DESTINATION share/bash-completion/completions
        RENAME shoal)
install(FILES ${pkg}/copyright ${CMAKE_BINARY_DIR}/package/changelog.gz
        DESTINATION share/doc/shoal)
# Written by scripts/package.d/man.sh (the `shoal_man` target) from the built binaries' help.
install(DIRECTORY ${CMAKE_BINARY_DIR}/package/man/ DESTINATION share/man/man1
        FILES_MATCHING PATTERN "*.1.gz")

find_program(HELP2MAN help2man)
if(HELP2MAN)
  add_custom_target(shoal_man
                    COMMAND ${pkg}/man.sh $<TARGET_FILE:shoal> $<TARGET_FILE:shoal-sim>
                            ${CMAKE_BINARY_DIR}/package/man ${PROJECT_VERSION}
                    DEPENDS shoal shoal-sim VERBATIM)
endif()
# The package installs only these two programs: `cpack` must not build every test first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME shoal)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "The Shoal Authors <shoal@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "decentralised container scheduler without a control plane")
# The extended description (the summary above is its first line); CPack indents the lines
# and turns the empty one into " .".
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Shoal runs containers and processes on a set of peers that agree through
SWIM gossip, with no central server: every peer computes the same placement
from the same replicated state. Put the peer on each host, give the peers a
shared key, and write services as TOML files.

This package holds the peer and its command line (shoal), the simulator
(shoal-sim), a systemd unit and the default configuration in /etc/shoal.")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the linked libraries (dpkg-shlibdeps)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${pkg}/conffiles ${pkg}/postinst ${pkg}/prerm ${pkg}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)  # maintainer scripts 0755, conffiles 0644
include(CPack)
