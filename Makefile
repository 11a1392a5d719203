# Build, test and install the suite.  GNU make, no autotools.
#
# Layout rules the build relies on (see README.md, "Layout"):
#   lib/*.c                       -> build/libsuite.a (the shared library)
#   <area>/*.c with "int main"    -> build/bin/<name>     (area = queue filters list mda)
#   other <area>/**/*.c           -> build/lib<area>.a   (parts of that area's programs)
#   tests/unit/test_<x>.c         -> build/tests/unit/test_<x>   (cmocka)
#   tests/fuzz/fuzz_<x>.c         -> build/fuzz/fuzz_<x>         (libFuzzer, clang)
#   tests/<area>/*.t              TAP scripts run by prove (through tests/run.pl)

PREFIX    ?= /usr/local
QMAILHOME ?= /var/qmail
EZMLM_ETC ?= /etc/ezmlm
DESTDIR   ?=
SANITIZE  ?= 0
FUZZ_SECONDS ?= 30

CC ?= cc
ifeq ($(SANITIZE),1)
BUILD    ?= build/san
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD    ?= build
SANFLAGS  =
endif

# Libraries are looked up when a recipe runs (recursive '='), so that
# "make deps check" works on a machine where deps are not yet installed.
PKGS      = libpcre2-8 libcdb mysqlclient libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# pcre2 and tinycdb are linked statically: small, and every program saves
# the dynamic loader's work at start (a delivery runs several programs)
PKG_LIBS   = -Wl,-Bstatic $(shell pkg-config --libs libpcre2-8 libcdb 2>/dev/null) -Wl,-Bdynamic \
             $(shell pkg-config --libs mysqlclient libcrypto 2>/dev/null)
# Programs an MTA runs once per message, where start-up is a large share
# of the run, are built against musl and linked statically (MUSL=1, the
# default; not under SANITIZE: the sanitizers need glibc's dynamic loader).
# Measured on the reference VM: a fork+exec of a do-nothing program takes
# 0.57 ms with glibc dynamic, 0.46 ms with glibc static (its start-up asks
# the CPU for its features, which the hypervisor emulates) and 0.18 ms
# with musl static.  These programs use only libc, pcre2 and tinycdb;
# Debian's static pcre2 and cdb archives are linked as they are (their
# one glibc-only symbol, __memcpy_chk, comes from compat/musl-chk.c).
# They load no NSS modules: maildrop reads /etc/passwd itself (lib/pwfile)
# and falls back to getent(1); qmail-queue finds the qmail users in
# /etc/passwd (musl's getpwuid).  With MUSL=0 maildrop is linked
# statically against glibc instead and the others dynamically.
MUSL ?= $(if $(filter 1,$(SANITIZE)),0,1)
MUSL_CC = musl-gcc
MUSL_PROGS = qmail-queue qmail-local maildrop
MUSL_NOW = $(if $(filter 1,$(MUSL)),$(MUSL_PROGS))
MUSL_DIR = $(BUILD)/musl
# their own allocator (compat/oneshot-malloc.c says why) and the shim
MUSL_COMPAT = $(MUSL_DIR)/compat/oneshot-malloc.o $(MUSL_DIR)/compat/musl-chk.o
# glibc-only parts of lib/ (OpenSSL) that no musl program needs
MUSL_LIB_SKIP = lib/cookie.c
STATIC_PROGS = $(if $(filter 1,$(MUSL)),,maildrop)
STATIC_NOW   = $(if $(filter 1,$(SANITIZE)),,$(STATIC_PROGS))
STATIC_LIBS  = $(shell pkg-config --libs libpcre2-8 libcdb 2>/dev/null)
# (ld warns about getpwnam and getpwuid for that reason)
STATIC_LDFLAGS = -static
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

WARN     = -Wall -Wextra -Werror
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -Ilib $(PKG_CFLAGS) \
             -DQMAILHOME_DEFAULT='"$(QMAILHOME)"' -MMD -MP
LDFLAGS ?=
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) -Wl,--as-needed

AREAS = queue filters list mda

LIB_SRCS  := $(sort $(wildcard lib/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBSUITE  := $(BUILD)/libsuite.a

# A program is an area source file that defines main() at the start of a line.
PROG_SRCS := $(shell grep -l '^int main' $(foreach a,$(AREAS),$(wildcard $(a)/*.c)) /dev/null 2>/dev/null)
PROGS     := $(foreach s,$(PROG_SRCS),$(BUILD)/bin/$(basename $(notdir $(s))))
SCRIPTS   := $(wildcard $(addsuffix /*.sh,$(AREAS)))
SCRIPT_BINS := $(foreach s,$(SCRIPTS),$(BUILD)/bin/$(basename $(notdir $(s))))

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNITS     := $(UNIT_SRCS:%.c=$(BUILD)/%)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPERS   := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/helpers/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS   := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
MANPAGES  := $(sort $(wildcard man/*.[1-8]))

.PHONY: all check unit integration man-lint deps install setup bench fuzz demo clean
.DELETE_ON_ERROR:

all: $(PROGS) $(SCRIPT_BINS) $(HELPERS)

# ---- the shared library -------------------------------------------------
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBSUITE): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# ---- per-area part libraries and programs -------------------------------
define area_rules
$(1)_SRCS  := $$(sort $$(wildcard $(1)/*.c $(1)/*/*.c))
$(1)_PARTS := $$(filter-out $$(PROG_SRCS),$$($(1)_SRCS))
$(BUILD)/lib$(1).a: $$($(1)_PARTS:%.c=$(BUILD)/%.o)
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach a,$(AREAS),$(eval $(call area_rules,$(a))))

# ---- musl builds (MUSL_PROGS) ----------------------------------------------
# Only pcre2.h and cdb.h (and their static archives) are taken from the
# system: a private include and library directory keeps glibc's headers
# and libraries out of musl-gcc's search paths.
MUSL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Ilib -I$(MUSL_DIR)/include \
              -DQMAILHOME_DEFAULT='"$(QMAILHOME)"' -MMD -MP
$(MUSL_DIR)/.env:
	@mkdir -p $(MUSL_DIR)/include $(MUSL_DIR)/syslib
	@command -v $(MUSL_CC) >/dev/null || { echo "$(MUSL_CC) not found: run make deps, or build with MUSL=0" >&2; exit 1; }
	for h in pcre2.h cdb.h; do for d in $$(pkg-config --variable=includedir libpcre2-8) /usr/include /usr/local/include; do \
	    [ -f $$d/$$h ] && { ln -sf $$d/$$h $(MUSL_DIR)/include/$$h; break; }; done; done
	for l in libpcre2-8.a libcdb.a; do ln -sf $$($(CC) -print-file-name=$$l) $(MUSL_DIR)/syslib/$$l; done
	touch $@

$(MUSL_DIR)/%.o: %.c | $(MUSL_DIR)/.env
	@mkdir -p $(dir $@)
	$(MUSL_CC) $(MUSL_CFLAGS) -c -o $@ $<

$(MUSL_DIR)/libsuite.a: $(patsubst %.c,$(MUSL_DIR)/%.o,$(filter-out $(MUSL_LIB_SKIP),$(LIB_SRCS)))
	rm -f $@ && ar rcs $@ $^

define musl_area_rules
$(MUSL_DIR)/lib$(1).a: $$($(1)_PARTS:%.c=$(MUSL_DIR)/%.o)
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach a,$(AREAS),$(eval $(call musl_area_rules,$(a))))

# A program's objects and libraries: the musl ones for MUSL_NOW programs.
prog_name = $(basename $(notdir $(1)))
prog_area = $(firstword $(subst /, ,$(1)))
prog_deps = $(if $(filter $(call prog_name,$(1)),$(MUSL_NOW)),\
    $(MUSL_DIR)/$(1:.c=.o) $(MUSL_DIR)/lib$(call prog_area,$(1)).a $(MUSL_DIR)/libsuite.a $(MUSL_COMPAT),\
    $(BUILD)/$(1:.c=.o) $(BUILD)/lib$(call prog_area,$(1)).a $(LIBSUITE))
define prog_rule
$(BUILD)/bin/$(call prog_name,$(1)): $(call prog_deps,$(1))
	@mkdir -p $$(dir $$@)
	$$(if $$(filter $(call prog_name,$(1)),$$(MUSL_NOW)),$$(MUSL_CC) $$(LDFLAGS) -static -o $$@ $$^ -L$(MUSL_DIR)/syslib -lpcre2-8 -lcdb,\
	$$(CC) $$(ALL_LDFLAGS) $$(if $$(filter $(call prog_name,$(1)),$$(STATIC_NOW)),$$(STATIC_LDFLAGS) -o $$@ $$^ $$(STATIC_LIBS),-o $$@ $$^ $$(PKG_LIBS)))
endef
$(foreach s,$(PROG_SRCS),$(eval $(call prog_rule,$(s))))

$(BUILD)/bin/%: queue/%.sh
	@mkdir -p $(dir $@)
	cp $< $@ && chmod 755 $@
$(BUILD)/bin/%: filters/%.sh
	@mkdir -p $(dir $@)
	cp $< $@ && chmod 755 $@
$(BUILD)/bin/%: list/%.sh
	@mkdir -p $(dir $@)
	cp $< $@ && chmod 755 $@

# ---- tests ----------------------------------------------------------------
$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBSUITE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBSUITE) $(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(LIBSUITE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBSUITE) $(PKG_LIBS)

# The bench's injection floor starts as qmail-queue starts: static musl
# where qmail-queue is (its exec cost is part of what it measures).
$(BUILD)/tests/helpers/commitfloor: tests/helpers/commitfloor.c $(if $(filter 1,$(MUSL)),$(MUSL_DIR)/.env)
	@mkdir -p $(dir $@)
	$(if $(filter 1,$(MUSL)),$(MUSL_CC) -static -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS),$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)) -o $@ $< -lpthread

unit: $(UNITS)

# Everything (unit binaries and .t scripts) runs under one TAP harness, which
# prints the closing "N passed, N failed" line.  TESTS=... narrows the set.
TESTS ?=
check: all $(UNITS)
	SUITE_BUILD=$(abspath $(BUILD)) SUITE_SRC=$(CURDIR) perl tests/run.pl $(UNITS) $(if $(TESTS),$(TESTS),$(sort $(wildcard tests/*/*.t)))

man-lint:
	@test -n "$(MANPAGES)" || { echo "no man pages"; exit 1; }
	mandoc -Tlint -Wwarning $(MANPAGES)
	@echo "man-lint: $(words $(MANPAGES)) pages clean"

# ---- fuzzing (clang + libFuzzer; separate build, never part of check) --------
build/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 -Ilib -fsanitize=fuzzer,address,undefined \
	    -o $@ $< $(LIB_SRCS) $(PKG_CFLAGS) $(PKG_LIBS)

fuzz: $(FUZZERS)
	@set -e; for f in $(FUZZERS); do \
	    name=$$(basename $$f); corpus=build/fuzz/corpus/$$name; mkdir -p $$corpus; \
	    seeds=tests/fuzz/seeds/$$name; [ -d $$seeds ] || seeds=; \
	    echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 $$corpus $$seeds 2>&1 | tail -n 4; \
	done

# ---- dependencies (Debian 12 packages) ------------------------------------
DEB_PKGS = build-essential pkg-config clang libclang-rt-14-dev perl \
           libpcre2-dev libcdb-dev tinycdb default-libmysqlclient-dev libssl-dev libcmocka-dev \
           mariadb-server mariadb-client mandoc ucspi-tcp daemontools swaks \
           maildrop procmail hyperfine musl-tools dovecot-core valgrind postfix iproute2
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${db:Status-Status}\n' $$p 2>/dev/null | grep -qx installed || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "deps: all present"; else \
	    echo "deps: installing$$(echo $$missing | sed 's/^/ /')"; \
	    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections; \
	    apt-get -o DPkg::Lock::Timeout=600 update -q && \
	    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
	        --no-install-recommends $$missing; fi

# ---- install and system set-up ------------------------------------------------
install: all
	install -d $(DESTDIR)$(QMAILHOME)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 $(DESTDIR)$(PREFIX)/share/man/man8
	for p in $(PROGS) $(SCRIPT_BINS); do install -m 755 $$p $(DESTDIR)$(QMAILHOME)/bin/; done
	for m in $(MANPAGES); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	ln -sf sendmail $(DESTDIR)$(QMAILHOME)/bin/mailq
	ln -sf sendmail $(DESTDIR)$(QMAILHOME)/bin/newaliases
	# list texts and templates: EZMLM_ETC/<lang>/{text/,messages,charset,ezmlmrc}
	for l in lang/*/; do [ -d "$$l" ] || continue; l=$$(basename $$l); d=$(DESTDIR)$(EZMLM_ETC)/$$l; \
	    install -d $$d && cp -R lang/$$l/. $$d/ && install -m 644 templates/ezmlmrc $$d/ezmlmrc; done
	if [ -d lang/en_US ]; then ln -sfn en_US $(DESTDIR)$(EZMLM_ETC)/default; fi
	install -d $(DESTDIR)$(PREFIX)/share/mailsuite/sql
	for f in sql/*.sql; do [ -f "$$f" ] && install -m 644 $$f $(DESTDIR)$(PREFIX)/share/mailsuite/sql/; done; true

setup: install
	sh queue/qmail-setup.sh -s "$(DESTDIR)$(QMAILHOME)"

# ---- demo, bench ------------------------------------------------------------
demo: all
	sh tests/demo.sh $(abspath $(BUILD))

bench: all
	sh tests/bench/run.sh $(abspath $(BUILD))

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
