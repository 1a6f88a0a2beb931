# SPDX-License-Identifier: MIT
# One non-recursive Makefile. Programs are the directories under cmd/;
# everything in lib/ goes into one archive; tests/unit/*.c become TAP
# programs; tests/fuzz/*.c become corpus replayers (and libFuzzer targets
# with `make fuzz`).
#
#   make                 programs into bin/
#   make check           TAP suite, then again under ASan+UBSan
#   make install PREFIX=/usr/local DESTDIR=   (STRIP= keeps the symbols)
#   make STATIC_TLS=1    zr-smtpd-tls with OpenSSL linked in statically
#   make MUSL_CC=        zr-smtpd with glibc even where musl-gcc is installed
#   make run             the relay with an embedded setup under ./var

.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
.SUFFIXES:
.SECONDARY:

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=

O ?= build
B ?= bin

# Flags no CFLAGS override can remove.
REQ_CFLAGS := -std=c17 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wvla -Wformat=2 -Wcast-qual \
	-Wimplicit-fallthrough -fstack-protector-strong -fPIE -MMD -MP \
	-Ilib
REQ_LDFLAGS := -pie -Wl,-z,relro,-z,now
ifeq ($(FUZZ),1)
# Everything the harnesses link is instrumented for coverage.
REQ_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined
else ifeq ($(SAN),1)
REQ_CFLAGS += -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
REQ_LDFLAGS += -fsanitize=address,undefined
else
REQ_CFLAGS += -D_FORTIFY_SOURCE=2
endif

SSL_CFLAGS := $(shell pkg-config --cflags openssl 2>/dev/null)
SSL_LIBS := $(shell pkg-config --libs openssl 2>/dev/null || echo -lssl -lcrypto)
SSL_STATIC_LIBS := $(shell pkg-config --static --libs openssl 2>/dev/null || \
	echo -lssl -lcrypto -ldl -pthread)
# Programs name the extra libraries they need here; the others stay small so
# that a fork+exec per connection stays cheap.
LIBS_common := -lresolv
LIBS_zr-passwd := $(SSL_LIBS)
# zr-dkim signs for zr-inject and zr-smtpd, which run it (lib/dkimsign).
LIBS_zr-dkim := $(SSL_LIBS)
LIBS_zr-remote := $(SSL_LIBS)
# zr-sts fetches MTA-STS policies over HTTPS.
LIBS_zr-sts := $(SSL_LIBS)
# zr-tlsrpt posts reports to https: addresses.
LIBS_zr-tlsrpt := $(SSL_LIBS)
# zr-send reads TLS level names in control/smarthosts through lib/tls.
LIBS_zr-send := $(SSL_LIBS)
# zr-smtpd is exec'ed per connection: a static link skips the dynamic
# loader's work each time, and it has no OpenSSL, whose start-up cost (the
# relocation of its tables) would fall on every connection. At STARTTLS it
# hands the connection to zr-smtpd-tls, the same server with OpenSSL;
# AUTH's password hashes are checked by zr-passwd -c. zr-smtpd-tls links
# the system's OpenSSL dynamically, so that its security updates reach it
# without a rebuild; STATIC_TLS=1 links it in statically, which saves the
# loader's work per STARTTLS (scripts/bench-starttls measures it) at the
# price of rebuilding zr for every OpenSSL fix. The linker warns about
# dlopen and getaddrinfo in a static link: they belong to OpenSSL's
# loadable modules and name lookups, which are not used. The tests and the
# sanitizer build stay dynamic.
STATIC_TLS ?=
LIBS_zr-smtpd = $(if $(SAN),,$(if $(filter %/zr-smtpd,$@),-static-pie))
LIBS_zr-smtpd-tls = $(O)/cmd/zr-smtpd.a $(LIBZR) $(if $(SAN),$(SSL_LIBS),\
	$(if $(and $(STATIC_TLS),$(filter %/zr-smtpd-tls,$@)),\
	-static-pie $(SSL_STATIC_LIBS),$(SSL_LIBS)))
# A change of STATIC_TLS relinks zr-smtpd-tls.
TLS_STAMP := $(O)/.static-tls-$(if $(STATIC_TLS),1,0)
ifeq ($(wildcard $(TLS_STAMP)),)
TLS_GONE := $(shell rm -f $(B)/zr-smtpd-tls)
endif
$(TLS_STAMP):
	@mkdir -p $(O)
	@rm -f $(O)/.static-tls-*
	@touch $@
$(B)/zr-smtpd-tls: $(O)/cmd/zr-smtpd.a $(TLS_STAMP)

ALL_CFLAGS = $(CFLAGS) $(REQ_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(REQ_LDFLAGS)

PROGS := $(notdir $(wildcard cmd/*))
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
LIBZR := $(O)/libzr.a
UNIT_SRCS := $(wildcard tests/unit/*.c)
UNIT_TESTS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/unit/%.t)
FUZZ_SRCS := $(filter-out tests/fuzz/driver.c,$(wildcard tests/fuzz/*.c))
FUZZ_REPLAY := $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/tests/fuzz/%)
PROG_BINS := $(PROGS:%=$(B)/%)

all: $(PROG_BINS)

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SSL_CFLAGS) -c -o $@ $<

$(LIBZR): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# With musl-gcc (Debian's musl-tools), zr-smtpd is built against musl
# instead: glibc's start-up asks the CPU for its cache sizes through
# hundreds of CPUID instructions, each a trap to the hypervisor on a
# virtual machine, and that alone cost 0.6 ms of CPU per exec here (a
# static-pie glibc program that returns at once: 0.67 ms of CPU; with
# musl: 0.05 ms). zr-smtpd uses no glibc-only function; lib/dns.c
# (res_ninit) is left out of its archive, as zr-smtpd makes no DNS query.
# OpenSSL's headers are reached through a directory of links, so that no
# other glibc header can stand in for a musl one. musl-gcc's specs know no
# -static-pie, so the link names musl's self-relocating start file
# (rcrt1.o) itself. MUSL_CC= builds zr-smtpd with glibc as before.
MUSL_CC ?= $(shell command -v musl-gcc 2>/dev/null)
MUSL_LIBDIR ?= $(if $(MUSL_CC),$(patsubst %/,%,$(dir $(shell sed -n \
	's/.*-specs "\(.*\)".*/\1/p' $(MUSL_CC) 2>/dev/null))))
ifneq ($(and $(MUSL_CC),$(wildcard $(MUSL_LIBDIR)/rcrt1.o),$(if $(SAN)$(FUZZ),,1)),)
MUSL_O := $(O)/musl
MUSL_INC := $(MUSL_O)/include
SSL_INCDIRS := $(patsubst -I%,%,$(filter -I%,$(SSL_CFLAGS))) /usr/include \
	/usr/include/$(shell $(CC) -print-multiarch 2>/dev/null)
MUSL_LIB_OBJS := $(filter-out $(MUSL_O)/lib/dns.o,$(LIB_SRCS:%.c=$(MUSL_O)/%.o))
MUSL_SMTPD_OBJS := $(filter-out %/main.o,\
	$(patsubst %.c,$(MUSL_O)/%.o,$(wildcard cmd/zr-smtpd/*.c)))
$(MUSL_INC)/.stamp:
	@rm -rf $(MUSL_INC) && mkdir -p $(MUSL_INC)/openssl
	for d in $(SSL_INCDIRS); do \
		[ ! -d $$d/openssl ] || ln -sf $$d/openssl/*.h $(MUSL_INC)/openssl/; \
	done
	@touch $@
$(MUSL_O)/%.o: %.c $(MUSL_INC)/.stamp
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(ALL_CFLAGS) -isystem $(MUSL_INC) -c -o $@ $<
$(MUSL_O)/libzr.a: $(MUSL_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^
$(MUSL_O)/zr-smtpd.a: $(MUSL_SMTPD_OBJS)
	@rm -f $@
	ar rcs $@ $^
# This rule replaces the template's for zr-smtpd (defined below it).
MUSL_SMTPD := 1
$(B)/zr-smtpd: $(MUSL_O)/cmd/zr-smtpd/main.o $(MUSL_O)/zr-smtpd.a \
		$(MUSL_O)/libzr.a $(SMTPD_STAMP)
	@mkdir -p $(B)
	$(MUSL_CC) $(LDFLAGS) -nostartfiles \
		-Wl,-static,-pie,--no-dynamic-linker,-z,text,-z,relro,-z,now \
		-o $@ $(MUSL_LIBDIR)/rcrt1.o $(MUSL_LIBDIR)/crti.o \
		$(shell $(MUSL_CC) -print-file-name=crtbeginS.o) \
		$(filter-out $(SMTPD_STAMP),$^) \
		$(shell $(MUSL_CC) -print-file-name=crtendS.o) $(MUSL_LIBDIR)/crtn.o
endif
# A change of C library relinks zr-smtpd. The stamps are removed before
# the program, since .SECONDARY lets make skip a missing stamp.
SMTPD_STAMP := $(O)/.smtpd-libc-$(if $(MUSL_SMTPD),musl,glibc)
ifeq ($(wildcard $(SMTPD_STAMP)),)
SMTPD_GONE := $(shell rm -f $(B)/zr-smtpd)
endif
$(SMTPD_STAMP):
	@mkdir -p $(O)
	@rm -f $(O)/.smtpd-libc-*
	@touch $@
$(B)/zr-smtpd: $(SMTPD_STAMP)

# Each program: main.c plus the rest of its directory. The rest also goes
# into an archive of its own so that unit tests can link the module.
define prog_template
$(1)_SRCS := $$(wildcard cmd/$(1)/*.c)
$(1)_MOD := $$(filter-out $(O)/cmd/$(1)/main.o,$$($(1)_SRCS:%.c=$(O)/%.o))
$(O)/cmd/$(1).a: $$($(1)_MOD)
	@rm -f $$@
	ar rcs $$@ $$^ $$(if $$^,,)
ifneq ($(1)$(MUSL_SMTPD),zr-smtpd1)
$(B)/$(1): $(O)/cmd/$(1)/main.o $(O)/cmd/$(1).a $(LIBZR)
	@mkdir -p $(B)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $(O)/cmd/$(1)/main.o $(O)/cmd/$(1).a \
		$(LIBZR) $$(LIBS_$(1)) $$(LIBS_common)
endif
endef
$(foreach p,$(PROGS),$(eval $(call prog_template,$(p))))

PROG_ARCHIVES := $(PROGS:%=$(O)/cmd/%.a)
TEST_LIBS := $(sort $(foreach p,$(PROGS),$(LIBS_$(p)))) $(SSL_LIBS) $(LIBS_common)

$(O)/tests/unit/%.t: $(O)/tests/unit/%.o $(PROG_ARCHIVES) $(LIBZR)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(PROG_ARCHIVES) $(LIBZR) $(TEST_LIBS)

$(O)/tests/fuzz/%: $(O)/tests/fuzz/%.o $(O)/tests/fuzz/driver.o \
		$(PROG_ARCHIVES) $(LIBZR)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(O)/tests/fuzz/driver.o \
		$(PROG_ARCHIVES) $(LIBZR) $(TEST_LIBS)

tests: $(UNIT_TESTS) $(FUZZ_REPLAY)

# The suite: unit tests, end-to-end tests, and house checks.
TEST_FILES = $(UNIT_TESTS:%=$(CURDIR)/%) $(wildcard $(CURDIR)/tests/e2e/*.t) \
	$(wildcard $(CURDIR)/tests/*.t)
PROVE ?= prove
PROVE_FLAGS ?= -j2

check: deps
	$(MAKE) all tests
	ZR_BIN=$(CURDIR)/$(B) ZR_BUILD=$(CURDIR)/$(O) \
		$(PROVE) $(PROVE_FLAGS) --exec '' $(TEST_FILES)
	$(MAKE) check-san

check-san:
	$(MAKE) SAN=1 O=build-san B=build-san/bin all tests
	ZR_BIN=$(CURDIR)/build-san/bin ZR_BUILD=$(CURDIR)/build-san ZR_SAN=1 \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(PROVE) $(PROVE_FLAGS) --exec '' \
		$(UNIT_TESTS:$(O)/%=$(CURDIR)/build-san/%) \
		$(wildcard $(CURDIR)/tests/e2e/*.t) $(wildcard $(CURDIR)/tests/*.t)

# Installs what the tests need when something is missing (as root).
deps:
	@./scripts/install-deps

# libFuzzer builds of every harness (clang).
fuzz:
	$(MAKE) CC=clang O=build-fuzz B=build-fuzz/bin FUZZ=1 fuzz-build
fuzz-build: $(LIBZR) $(PROG_ARCHIVES)
	@mkdir -p $(O)/fuzzers
	for f in $(FUZZ_SRCS); do \
		n=$$(basename $$f .c); \
		$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined \
			-o $(O)/fuzzers/$$n $$f $(PROG_ARCHIVES) $(LIBZR) \
			$(TEST_LIBS) || exit 1; \
	done

run: all
	@./scripts/run

# Installed programs are stripped: a tenth of their size is code.
STRIP ?= -s
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(PREFIX)/share/zr
	install -m 755 $(STRIP) $(PROG_BINS) $(DESTDIR)$(SBINDIR)/
	for m in man/*.[1-8]; do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	done
	install -m 755 queue-layout/mkqueue scripts/oauth2-token \
		$(DESTDIR)$(PREFIX)/share/zr/
	install -m 644 etc/shaperules $(DESTDIR)$(PREFIX)/share/zr/

clean:
	rm -rf build build-san build-fuzz bin

.PHONY: all tests check check-san deps fuzz fuzz-build run install clean

-include $(shell find $(O) -name '*.d' 2>/dev/null)
