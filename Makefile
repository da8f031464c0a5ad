# Tandem - one Makefile, no other build system.
#
#   make          build ./tandem
#   make run      install missing packages, build, start on http://127.0.0.1:8080
#   make test     install missing packages, build, run every test (also under ASan+UBSan)
#   make install  PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
DATADIR ?= $(PREFIX)/share/tandem
VERSION := 0.1.0

CC ?= cc
PKGS := libmicrohttpd sqlite3 libpq jansson libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral -Wno-format-truncation -Wvla -Wpointer-arith -Wundef
BASE_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(WARN) -g -Isrc \
	-DTANDEM_VERSION='"$(VERSION)"' -DDATADIR='"$(DATADIR)"' -include util/banned.h $(PKG_CFLAGS)
LIBS := $(PKG_LIBS) -lpthread -lm

release_CFLAGS := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
asan_CFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
asan_LDFLAGS := -fsanitize=address,undefined

LIB_SRC := $(wildcard src/util/*.c src/store/*.c src/domain/*.c src/api/*.c src/http/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*_test.c)
HDRS := $(wildcard src/*/*.h)

objs = $(patsubst src/%.c,build/$(1)/obj/%.o,$(2))

all: tandem

tandem: build/release/tandem
	cp $< $@.tmp && mv -f $@.tmp $@

define variant
build/$(1)/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $$(dir $$@)
	@echo "CC $(1) $$<"
	@$$(CC) $$(BASE_CFLAGS) $$($(1)_CFLAGS) -c $$< -o $$@

build/$(1)/libtandem.a: $(call objs,$(1),$(LIB_SRC))
	@rm -f $$@
	@echo "AR $$@"
	@ar rcs $$@ $$^

build/$(1)/tandem: $(call objs,$(1),$(CLI_SRC)) build/$(1)/libtandem.a
	@echo "LD $$@"
	@$$(CC) $$($(1)_LDFLAGS) -o $$@ $$^ $$(LIBS)

build/$(1)/tests/%_test: tests/unit/%_test.c tests/unit/unit.h build/$(1)/libtandem.a
	@mkdir -p $$(dir $$@)
	@echo "LD $$@"
	@$$(CC) $$(BASE_CFLAGS) $$($(1)_CFLAGS) -Itests/unit $$($(1)_LDFLAGS) -o $$@ $$< build/$(1)/libtandem.a $$(LIBS) -lcmocka

unit-$(1): $(patsubst tests/unit/%_test.c,build/$(1)/tests/%_test,$(UNIT_SRC))
endef
$(eval $(call variant,release))
$(eval $(call variant,asan))

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh test

# The web app: npm packages pinned in package-lock.json, bundled into web/dist.
web: deps
	@scripts/build-web.sh

run: deps web
	@$(MAKE) --no-print-directory tandem
	@mkdir -p var
	./tandem serve --db var/tandem.db --listen 127.0.0.1:8080 --demo-if-new

test: test-deps web
	@$(MAKE) --no-print-directory tandem unit-release build/asan/tandem unit-asan
	@scripts/run-tests.sh

SYSCONFDIR ?= /etc
SYSTEMDDIR ?= $(PREFIX)/lib/systemd/system
MANDIR ?= $(PREFIX)/share/man
SUBST = sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@DATADIR@|$(DATADIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: tandem web
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(SYSCONFDIR)/tandem
	install -m 755 tandem $(DESTDIR)$(PREFIX)/bin/tandem
	install -m 644 data/*.conf $(DESTDIR)$(DATADIR)/
	for d in instruments formulary; do install -d $(DESTDIR)$(DATADIR)/$$d && \
		install -m 644 data/$$d/*.json $(DESTDIR)$(DATADIR)/$$d/; done
	if [ -d web/dist ]; then cp -R web/dist $(DESTDIR)$(DATADIR)/web && chmod -R a+rX $(DESTDIR)$(DATADIR)/web; fi
	$(SUBST) docs/tandem.1 > $(DESTDIR)$(MANDIR)/man1/tandem.1
	$(SUBST) dist/tandem.service.in > $(DESTDIR)$(SYSTEMDDIR)/tandem.service
	$(SUBST) dist/tandem.env.example > $(DESTDIR)$(SYSCONFDIR)/tandem/tandem.env.example
	@echo "installed under $(DESTDIR)$(PREFIX); create the 'tandem' system user and $(SYSCONFDIR)/tandem/tandem.env"

clean:
	rm -rf build tandem

.PHONY: all deps test-deps web run test install clean unit-release unit-asan
