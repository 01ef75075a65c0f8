# The Debian package (scripts/package.sh → build/package/leadwire_X.Y.Z_amd64.deb):
# CPack's DEB generator, with the runtime dependencies computed by
# dpkg-shlibdeps from what the binary links, not listed by hand. Included
# when LEADWIRE_PACKAGE is on.
include(GNUInstallDirs)
set(PKG ${PROJECT_SOURCE_DIR}/packaging)

# /etc and /lib/systemd stand outside the /usr prefix (absolute on purpose).
install(FILES ${PKG}/leadwire.toml DESTINATION /etc/leadwire
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PKG}/leadwire.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PKG}/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME leadwire)
set(CPACK_PACKAGE_VENDOR "The Leadwire developers")
set(CPACK_PACKAGE_CONTACT "The Leadwire developers <leadwire@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Legal intake records and their webhooks")
set(CPACK_PACKAGE_DESCRIPTION
    "Leadwire keeps a law firm's intake leads and sends each matching event to the
firm's webhook rules, signed with its key, retried until the receiver has it.
One binary with an embedded SQLite database, or many nodes on PostgreSQL.")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_SOURCE_DIR}/build/package)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # leadwire_X.Y.Z_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "http://localhost/leadwire")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# postinst makes the user with useradd (passwd) and keeps the unit's state
# with deb-systemd-helper (init-system-helpers); the rest comes from shlibdeps.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, init-system-helpers (>= 1.54)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PKG}/conffiles ${PKG}/postinst ${PKG}/prerm ${PKG}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
