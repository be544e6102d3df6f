# debian/pfinet.mk - build Postfix with pfinet; included by debian/rules
# (added by pfinet's scripts/debian-package.sh, from pfinet's
# packaging/debian/pfinet.mk).
#
# pfinet/ is the component tarball postfix_<upstream>.orig-pfinet.tar.xz:
# pfinet's source with every crate it needs vendored (pfinet/vendor/,
# pfinet/.cargo/config.toml), so cargo runs with --offline --frozen.

execute_before_dh_auto_configure:
	cd pfinet && cargo --version && rustc --version
