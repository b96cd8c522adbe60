# dlg — customer-support dialogs in a git store.
# `make` builds ./dlg; `make check` runs every test; `make demo` shows it working.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = libgit2 jansson libmagic sqlite3 zlib libmicrohttpd nettle

CFLAGS ?= -O2 -g
DLG_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Wall -Wextra \
	-Wno-unused-parameter -Ilib $(shell $(PKG_CONFIG) --cflags $(PKGS))
# What the shared library NAME in pkg-config's libdir is called and links to,
# as SONAME=... and NEEDED=... words; nothing when there is no NAME.so.
dynamic_section = $(shell objdump -p $$($(PKG_CONFIG) --variable=libdir $(1))/$(1).so 2>/dev/null | \
	awk '$$1 == "SONAME" || $$1 == "NEEDED" { print $$1 "=" $$2 }')
# libgit2 is opened with dlopen() on first use (lib/git/gitlib.h says why).
# Snowball's stemmers (the search tokenizer) have no pkg-config file.
DLG_LIBS = $(shell $(PKG_CONFIG) --libs $(filter-out libgit2 libmicrohttpd,$(PKGS))) -lstemmer
GIT2_LIBS = $(shell $(PKG_CONFIG) --libs libgit2)
GIT2_DYNAMIC := $(call dynamic_section,libgit2)
GIT2_SONAME = $(patsubst SONAME=%,%,$(filter SONAME=%,$(GIT2_DYNAMIC)))
DLG_CFLAGS += -DGITLIB_SONAME='"$(or $(GIT2_SONAME),libgit2.so)"'
# So is libcurl (lib/channel/curllib.h): its headers are needed, never its library.
CURL_DYNAMIC := $(call dynamic_section,libcurl)
CURL_SONAME = $(patsubst SONAME=%,%,$(filter SONAME=%,$(CURL_DYNAMIC)))
DLG_CFLAGS += $(shell $(PKG_CONFIG) --cflags libcurl) \
	-DCURLLIB_SONAME='"$(or $(CURL_SONAME),libcurl.so.4)"'
# And libmicrohttpd, for dlg chat serve alone (cmd/mhdlib.h).
MHD_SONAME = $(patsubst SONAME=%,%,$(filter SONAME=%,$(call dynamic_section,libmicrohttpd)))
DLG_CFLAGS += -DMHDLIB_SONAME='"$(or $(MHD_SONAME),libmicrohttpd.so.12)"'

# The executable's stand-ins for mbedTLS's CA loaders (lib/git/gitlib.c says why)
# only where they work and harm nothing: a shared libgit2 linked to mbedTLS
# binds them when it is loaded (a static libgit2, or one on OpenSSL, never
# calls them; a static dlg exports nothing), and libcurl must not be linked
# to mbedTLS, since it would bind them too and, its trust store left empty,
# refuse every server.  Anywhere else the build is plain;
# MBEDTLS_CA_STANDIN=no makes it plain here too.
MBEDTLS_NEEDED = NEEDED=libmbedtls.% NEEDED=libmbedx509.%
GIT2_ON_MBEDTLS = $(filter $(MBEDTLS_NEEDED),$(GIT2_DYNAMIC))
CURL_ON_MBEDTLS = $(filter $(MBEDTLS_NEEDED),$(CURL_DYNAMIC))
MBEDTLS_CA_STANDIN ?= $(if $(GIT2_ON_MBEDTLS),$(if $(CURL_ON_MBEDTLS)$(filter -static,$(LDFLAGS)),no,yes),no)
ifeq ($(MBEDTLS_CA_STANDIN),yes)
DLG_CFLAGS += -DDLG_MBEDTLS_CA_STANDIN
# Exported, so that libgit2 finds them when it is loaded.
DLG_EXPORTS = -Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_file \
	-Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_path
endif
ifdef WERROR
DLG_CFLAGS += -Werror
endif
ifdef SANITIZE
DLG_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC = $(sort $(wildcard lib/*/*.c))
CMD_SRC = $(sort $(wildcard cmd/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/test-*.c))
LIB_OBJ = $(LIB_SRC:.c=.o)
CMD_OBJ = $(CMD_SRC:.c=.o)
UNIT_BIN = $(UNIT_SRC:.c=)
HEADERS = $(wildcard lib/*/*.h) $(wildcard cmd/*.h)

all: dlg

%.o: %.c $(HEADERS) .build-flags
	$(CC) $(DLG_CFLAGS) $(CFLAGS) -c -o $@ $<

# Rebuild everything when the flags change (e.g. a SANITIZE=1 build after a plain one).
.build-flags: FORCE
	@echo '$(CC) $(DLG_CFLAGS) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(DLG_CFLAGS) $(CFLAGS) $(LDFLAGS)' > $@

# The emoji shortcodes of lib/base/emoji.c; every byte of an emoji becomes \xNN, so no
# data can break out of its string literal, and unsorted or odd lines fail the build.
lib/base/emoji-table.h: lib/base/emoji.tsv
	LC_ALL=C awk -F '\t' 'BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i; \
		print "/* Generated from lib/base/emoji.tsv by the Makefile: do not edit. */" } \
		/^#/ || /^$$/ { next } \
		{ k = $$1 ""; if (NF != 2 || k !~ /^[a-z0-9_+-]+$$/ || k <= prev || $$2 == "") { \
			printf "%s:%d: not a sorted shortcode<TAB>emoji line\n", FILENAME, FNR > "/dev/stderr"; exit 1 } \
		prev = k; e = ""; for (i = 1; i <= length($$2); i++) e = e sprintf("\\x%02x", ord[substr($$2, i, 1)]); \
		printf "\t{ \"%s\", \"%s\" },\n", k, e }' lib/base/emoji.tsv > $@.tmp || { rm -f $@.tmp; exit 1; }
	mv $@.tmp $@
lib/base/emoji.o: lib/base/emoji-table.h

# The chat widget (cmd/widget/), built into dlg for dlg chat serve to hand to
# browsers: each file a row of a table of C strings, with an ETag of its hash.
cmd/widget/assets.h: cmd/widget/dlg-chat.js cmd/widget/dlg-chat.css cmd/widget/embed.awk
	{ echo '/* Generated from cmd/widget/ by the Makefile: do not edit. */' && \
	LC_ALL=C awk -v path=/widget.js -v 'type=text/javascript; charset=utf-8' \
		-v etag=$$(sha256sum <cmd/widget/dlg-chat.js | cut -c1-20) \
		-f cmd/widget/embed.awk cmd/widget/dlg-chat.js && \
	LC_ALL=C awk -v path=/widget.css -v 'type=text/css; charset=utf-8' \
		-v etag=$$(sha256sum <cmd/widget/dlg-chat.css | cut -c1-20) \
		-f cmd/widget/embed.awk cmd/widget/dlg-chat.css; } >$@.tmp || { rm -f $@.tmp; exit 1; }
	mv $@.tmp $@
cmd/chat-widget.o: cmd/widget/assets.h

# Said plainly before the compiler says "libstemmer.h: No such file".
STEMMER_MISSING = dlg needs libstemmer (Snowball stemmers; Debian: libstemmer-dev, which make deps installs)
.stemmer-ok:
	@printf '\043include <libstemmer.h>\nint main(void) { return !sb_stemmer_list(); }\n' | \
		$(CC) -x c -o /dev/null - -lstemmer 2>/dev/null || { echo '$(STEMMER_MISSING)' >&2; exit 1; }
	@touch $@
lib/store/search-token.o $(FUZZ_DIR)/lib/store/search-token.o: | .stemmer-ok

lib/libdlg.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

dlg: $(CMD_OBJ) lib/libdlg.a
	$(CC) $(LDFLAGS) $(DLG_EXPORTS) -o $@ $(CMD_OBJ) lib/libdlg.a $(DLG_LIBS)

tests/unit/test-%: tests/unit/test-%.c lib/libdlg.a $(HEADERS) .build-flags
	$(CC) $(DLG_CFLAGS) $(CFLAGS) $$($(PKG_CONFIG) --cflags cmocka) $(LDFLAGS) -o $@ $< \
		$(UNIT_OBJ) lib/libdlg.a $(DLG_LIBS) $(GIT2_LIBS) $$($(PKG_CONFIG) --libs cmocka)

# The option parser belongs to the front end (cmd/), not to libdlg.
tests/unit/test-parse-options: UNIT_OBJ = cmd/parse-options.o
tests/unit/test-parse-options: cmd/parse-options.o

deps:
	@sh scripts/install-deps.sh

# libFuzzer harnesses (tests/fuzz/README): their own build with clang, the
# library compiled again with the fuzzer's instrumentation into tests/fuzz/build/.
FUZZ_CC ?= clang
FUZZ_DIR = tests/fuzz/build
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = $(filter-out -fsanitize=% -fno-sanitize-recover=% -fno-omit-frame-pointer,$(DLG_CFLAGS)) \
	-g -O1 $(FUZZ_SAN)
FUZZ_SRC = $(sort $(wildcard tests/fuzz/*.c))
FUZZ_BIN = $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRC))
FUZZ_LIB_OBJ = $(patsubst lib/%.c,$(FUZZ_DIR)/lib/%.o,$(LIB_SRC))
FUZZ_HEADERS = $(HEADERS) $(wildcard tests/fuzz/*.h)

$(FUZZ_DIR)/lib/%.o: lib/%.c $(HEADERS) $(FUZZ_DIR)/.flags
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(FUZZ_DIR)/lib/base/emoji.o: lib/base/emoji-table.h

$(FUZZ_DIR)/libdlg.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_LIB_OBJ)

$(FUZZ_DIR)/%: tests/fuzz/%.c $(FUZZ_DIR)/libdlg.a $(FUZZ_HEADERS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_DIR)/libdlg.a $(DLG_LIBS)

$(FUZZ_DIR)/.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' | cmp -s - $@ || echo '$(FUZZ_CC) $(FUZZ_CFLAGS)' > $@

fuzz: $(FUZZ_BIN)

# Each harness over its seeds and regression inputs once: no fuzzing, deterministic.
fuzz-check: fuzz
	@sh tests/fuzz/run.sh check $(FUZZ_BIN)

# Each harness fuzzing for FUZZ_SECONDS; new inputs go to $(FUZZ_DIR)/corpus/.
fuzz-run: fuzz
	@sh tests/fuzz/run.sh run $(FUZZ_SECONDS) $(FUZZ_BIN)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "# $$t"; ./$$t; done

test: dlg
	@sh tests/run.sh

# The README's test command: installs what is missing, builds, runs every test.
check: deps
	$(MAKE) dlg
	$(MAKE) unit
	$(MAKE) test
	$(MAKE) fuzz-check
	$(MAKE) lint

lint:
	@if command -v mandoc >/dev/null; then mandoc -Tlint -Wwarning man/*.1 && echo "man pages: ok"; fi
	@sh tests/check-completions.sh
	@sh tests/check-layers.sh

demo: deps
	$(MAKE) dlg
	@sh scripts/demo.sh

# Benchmarks against notmuch, mblaze and git (see bench/run.sh for the knobs).
bench: deps
	$(MAKE) dlg
	@bash bench/run.sh

install: dlg
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 dlg $(DESTDIR)$(BINDIR)/dlg
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 completions/dlg.bash $(DESTDIR)$(BASHCOMPDIR)/dlg
	install -m 644 completions/_dlg $(DESTDIR)$(ZSHCOMPDIR)/_dlg

clean:
	rm -f dlg lib/*/*.o lib/libdlg.a lib/base/emoji-table.h cmd/widget/assets.h cmd/*.o $(UNIT_BIN) .build-flags .stemmer-ok bench/gen bench/floor bench/clock
	rm -rf demo.store demo.spool demo.peer tests/trash $(FUZZ_DIR)

.PHONY: all deps fuzz fuzz-check fuzz-run unit test check lint demo bench install clean FORCE
