# debian/pfinet.mk - build Postfix with pfinet; included by debian/rules
# (added by pfinet's scripts/debian-package.sh, from pfinet's
# packaging/debian/pfinet.mk).
#
# pfinet/ is the component tarball postfix_<upstream>.orig-pfinet.tar.xz:
# pfinet's source with every crate it needs vendored (pfinet/vendor/,
# pfinet/.cargo/config.toml), so cargo runs with --offline --frozen.
# "make postfix-object" in pfinet builds it with Debian's cargo and rustc
# into one relocatable object that exports only Postfix's names and
# pfinet_*; Postfix's src/util links that object into libpostfix-util.so.

include /usr/share/dpkg/buildopts.mk

PFINET_DIR = $(CURDIR)/pfinet
PFINET_OUT = $(PFINET_DIR)/target/release

# -DUSE_PFINET (debian/patches/pfinet.patch) and pfinet's headers; makedefs
# takes PFINET_OBJ from the environment ("make makefiles" in
# override_dh_auto_configure).
CCARGS += -DUSE_PFINET -I$(PFINET_DIR)/include -I$(PFINET_OUT)/include
export PFINET_OBJ = $(PFINET_OUT)/pfinet-postfix.o

# Debian's CFLAGS reach the cc crate (pfinet's C glue); pfinet's Makefile
# takes LTO out of them for the object it builds.
execute_before_dh_auto_configure:
	CARGO_HOME=$(PFINET_DIR)/target/cargo-home CFLAGS="$(CFLAGS)" \
	$(MAKE) -C pfinet postfix-object CARGO=cargo \
	    CARGO_FLAGS="--offline --frozen -j$(or $(DEB_BUILD_OPTION_PARALLEL),1)"

# The pfinet command (pfinet(1): "pfinet compile TABLE" writes the
# precompiled cidr: table that this Postfix maps instead of parsing TABLE;
# also "pfinet mynetworks", "pfinet match"), built in its own target
# directory (the object above is built with other features) and shipped in
# the postfix package as /usr/sbin/pfinet.
PFINET_CLI = $(PFINET_DIR)/target/cli/release/pfinet

# (cargo runs in pfinet/, where .cargo/config.toml names the vendored crates.)
execute_after_dh_auto_build-arch:
	cd pfinet && CARGO_HOME=$(PFINET_DIR)/target/cargo-home \
	    CARGO_TARGET_DIR=$(PFINET_DIR)/target/cli \
	    cargo build --release --bin pfinet --offline --frozen \
	    -j$(or $(DEB_BUILD_OPTION_PARALLEL),1)

execute_after_dh_install-arch:
	install -D -m 0755 $(PFINET_CLI) debian/postfix/usr/sbin/pfinet
	install -D -m 0644 pfinet/man/man1/pfinet.1 debian/postfix/usr/share/man/man1/pfinet.1

# pfinet's checks on the built tree (nm, and Postfix's unit tests of the
# replaced modules); -arch: only the arch build compiles anything.
override_dh_auto_test-arch:
ifeq (,$(filter nocheck,$(DEB_BUILD_OPTIONS)))
	pfinet/packaging/debian/check.sh
endif
