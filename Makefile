# Makefile - build and install pfinet as a C library (see README.md, "Install").
#
#   make                      cargo build (library: static and shared; the pfinet command)
#   make install PREFIX=/usr/local DESTDIR=
#                             libpfinet.a, libpfinet.so.VERSION (soname libpfinet.so.MAJOR)
#                             and its links, pfinet.h + pfinet_config.h, pfinet.pc, the
#                             pfinet command, man pages (man1, man3)
#   make install-files ...    the same without building (what `make` built)
#   make uninstall PREFIX=... DESTDIR=
#   make postfix-object       target/release/pfinet-postfix.o: pfinet with its Postfix
#                             binding as one relocatable object for Postfix's util
#                             library (make makefiles ... PFINET_OBJ=<that file>; see
#                             README.md, "Build Postfix with pfinet")
#
# CARGO_FLAGS passes cargo options (e.g. --features postfix, or
# --no-default-features --features have_getifaddrs for a build without
# IPv6); PROFILE=debug installs the debug build.

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CARGO ?= cargo
CARGO_FLAGS ?=
PROFILE ?= release
INSTALL ?= install
LD ?= ld
OBJCOPY ?= objcopy
READELF ?= readelf

VERSION := $(shell sed -n 's/^version = "\([^"]*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR := $(firstword $(subst ., ,$(VERSION)))
OUT := target/$(PROFILE)
ifeq ($(PROFILE),debug)
CARGO_PROFILE := --profile dev
else
CARGO_PROFILE := --profile $(PROFILE)
endif

.PHONY: all build install install-files uninstall postfix-object

all: build

build:
	$(CARGO) build $(CARGO_PROFILE) $(CARGO_FLAGS) --lib --bins

install: build
	$(MAKE) install-files

install-files:
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	$(INSTALL) -m 644 $(OUT)/libpfinet.a $(DESTDIR)$(LIBDIR)/libpfinet.a
	$(INSTALL) -m 755 $(OUT)/libpfinet.so $(DESTDIR)$(LIBDIR)/libpfinet.so.$(VERSION)
	ln -sf libpfinet.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libpfinet.so.$(MAJOR)
	ln -sf libpfinet.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libpfinet.so
	$(INSTALL) -m 644 include/pfinet.h $(OUT)/include/pfinet_config.h $(DESTDIR)$(INCLUDEDIR)/
	$(INSTALL) -m 755 $(OUT)/pfinet $(DESTDIR)$(BINDIR)/pfinet
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e "s|@LIBS_PRIVATE@|$$(cat native-static-libs)|" pfinet.pc.in \
	    >$(DESTDIR)$(PKGCONFIGDIR)/pfinet.pc
	$(INSTALL) -m 644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 man/man3/*.3 $(DESTDIR)$(MANDIR)/man3/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libpfinet.a $(DESTDIR)$(LIBDIR)/libpfinet.so \
	    $(DESTDIR)$(LIBDIR)/libpfinet.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libpfinet.so.$(VERSION) \
	    $(DESTDIR)$(INCLUDEDIR)/pfinet.h $(DESTDIR)$(INCLUDEDIR)/pfinet_config.h \
	    $(DESTDIR)$(BINDIR)/pfinet $(DESTDIR)$(PKGCONFIGDIR)/pfinet.pc
	for f in man/man1/*.1 man/man3/*.3; do rm -f $(DESTDIR)$(MANDIR)/$${f#man/}; done

# pfinet for Postfix's util library (libutil.a, or libpostfix-util.so in a
# shared=yes build): the Postfix-binding library partially linked (ld -r)
# from the exported names alone (-u, --gc-sections drops what they do not
# reach), then every symbol but those made local (objcopy), so Rust's
# internals (std, core, _ZN.../_R... names, rust_eh_personality) stay
# inside the object and the library exports exactly Postfix's names and
# pfinet_*: the list is libpfinet.map's, less its standalone-only part.
# ld -r leaves the references of the sections it dropped as local undefined
# symbols, which objcopy would make global (and no longer weak: std's
# optional glibc functions such as pidfd_spawnp would then have to exist):
# they are removed. LLVM's bitcode sections are of no use to a C link.
# The cc crate compiles pfinet's C glue with the environment's CFLAGS; GCC
# LTO bytecode from a distribution's -flto would survive ld -r and objcopy
# and be linked in place of the object's selected code (Postfix's LTO link
# of libpostfix-util.so then misses every name), so LTO is left out here.
POSTFIX_OUT := $(or $(CARGO_TARGET_DIR),target)/release
postfix-object: export CFLAGS := $(filter-out -flto% -ffat-lto-objects,$(CFLAGS))
postfix-object:
	$(CARGO) build --release --lib --features postfix $(CARGO_FLAGS)
	awk '/standalone only/ { exit } /^ *[a-z_0-9]+;$$/ { sub(/;/, ""); print $$1 }' \
	    libpfinet.map >$(POSTFIX_OUT)/pfinet-postfix.syms
	$(LD) -r --gc-sections $$(sed 's/^/-u /' $(POSTFIX_OUT)/pfinet-postfix.syms) \
	    -o $(POSTFIX_OUT)/pfinet-postfix.o.tmp $(POSTFIX_OUT)/libpfinet.a
	$(READELF) -sW $(POSTFIX_OUT)/pfinet-postfix.o.tmp | \
	    awk '$$5 == "LOCAL" && $$7 == "UND" && $$8 != "" { print $$8 }' \
	    >$(POSTFIX_OUT)/pfinet-postfix.dropped
	$(OBJCOPY) --keep-global-symbols=$(POSTFIX_OUT)/pfinet-postfix.syms \
	    --strip-symbols=$(POSTFIX_OUT)/pfinet-postfix.dropped \
	    --remove-section=.llvmbc --remove-section=.llvmcmd \
	    $(POSTFIX_OUT)/pfinet-postfix.o.tmp
	mv $(POSTFIX_OUT)/pfinet-postfix.o.tmp $(POSTFIX_OUT)/pfinet-postfix.o
