# offcap: offload-aware packet capture.  `make demo`, `make check`, `make bench`,
# `make check-kernels`, `make check-nics`.
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/;s/ppc64le/powerpc/;s/s390x/s390/')
VERSION  := 0.1.0
BUILD    := build

# Debian packages the build, the demo, the tests and the benchmark use.
PKGS := gcc make pkg-config clang llvm libbpf-dev libxdp-dev xdp-tools bpftool libelf-dev \
	zlib1g-dev libpcap-dev iproute2 ethtool tcpdump tshark iperf3 procps jq python3 time nftables man-db \
	wireshark-common bc chromium
# What `make check-kernels` adds: qemu, and what builds the guests' initramfs.
KERNEL_PKGS := qemu-system-x86 busybox-static kmod xz-utils

# user/ by layer: what talks to the kernel, the capture filter, the file
# formats, packet parsing, the analyses, and printing.
USER_DIRS := user/kernel user/filter user/file user/proto user/analysis user/print
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -DOFFCAP_VERSION='"$(VERSION)"' \
	   $(patsubst %,-I%,$(USER_DIRS)) -Ibpf -I$(BUILD)
LDLIBS  := -lbpf -lxdp -lelf -lz -lpthread -lm -lpcap
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
LIB_SRCS  := $(wildcard $(addsuffix /*.c,$(USER_DIRS)))
TOOL_SRCS := $(wildcard tools/offcap/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
HDRS      := $(wildcard $(addsuffix /*.h,$(USER_DIRS)) bpf/*.h tools/offcap/*.h tests/unit/*.h)

LIB_OBJS      := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
LIB_SAN_OBJS  := $(patsubst %.c,$(BUILD)/san/%.o,$(LIB_SRCS))
UNIT_BINS     := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_SAN_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests-san/%,$(UNIT_SRCS))
TEST_BPF_OBJS := $(patsubst tests/bpf/%.bpf.c,$(BUILD)/tests/%.bpf.o,$(wildcard tests/bpf/*.bpf.c))

# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, offcap(8), and for
# Wireshark (Debian's 4.0 folders, `tshark -G folders`) the Lua plugin and the
# extcap link. make install-user: the Wireshark part under $(HOME) instead.
PREFIX   ?= /usr/local
SBINDIR  := $(PREFIX)/sbin
MANDIR   := $(PREFIX)/share/man
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
MULTIARCH := $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo $(shell uname -m)-linux-gnu)
WS_LIBDIR ?= /usr/lib/$(MULTIARCH)/wireshark
WS_PLUGINDIR ?= $(WS_LIBDIR)/plugins
WS_EXTCAPDIR ?= $(WS_LIBDIR)/extcap
# Wireshark 4.0 looks for personal extcaps in ~/.config/wireshark/extcap, 4.2+ in ~/.local/lib/wireshark/extcap
USER_PLUGINDIR := $(HOME)/.local/lib/wireshark/plugins
USER_EXTCAPDIRS := $(HOME)/.config/wireshark/extcap $(HOME)/.local/lib/wireshark/extcap

.SECONDARY:
.PHONY: all deps demo check check-kernels check-nics unit bench bench-merge bench-view clean fuzz-filter vmlinux man install uninstall install-user uninstall-user
all: $(BUILD)/offcap $(BUILD)/offcap.8 $(BUILD)/offcap.bash-completion $(BUILD)/offcap.lua
man: $(BUILD)/offcap.8

# Generated from the binary at build time: the hook point list from oc_hooks[]
# (through its extcap config), each command's options from its table
# (tools/offcap/params.h: offcap --dump-options, hidden), the bash completion
# from both, and the Wireshark plugin's hook point table from oc_hooks[].
$(BUILD)/offcap.8: doc/offcap.8.in $(BUILD)/offcap
	$(BUILD)/offcap extcap --extcap-interface offcap:lo --extcap-config | \
	  sed -n -e 's/^value {arg=0}{value=\([^}]*\)}{display=[^:]*: \([^}]*\)}{default=true}.*/.TP\n.B \1\n(default) \2/p' \
	    -e 's/^value {arg=0}{value=\([^}]*\)}{display=[^:]*: \([^}]*\)}{default=false}.*/.TP\n.B \1\n\2/p' > $@.hooks
	awk -v bin=$(BUILD)/offcap '/^@OPTIONS [a-z]+@$$/ { c = $$2; sub(/@$$/, "", c); \
	  fflush(); if (system(bin " --dump-options man " c)) exit 1; next } { print }' $< | \
	sed -e '/@HOOKS@/{r $@.hooks' -e 'd}' -e 's|@VERSION@|$(VERSION)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	    -e 's|@WS_PLUGINDIR@|$(WS_PLUGINDIR)|g' -e 's|@WS_EXTCAPDIR@|$(WS_EXTCAPDIR)|g' > $@.tmp
	rm -f $@.hooks
	mv $@.tmp $@

$(BUILD)/offcap.bash-completion: $(BUILD)/offcap
	$(BUILD)/offcap --dump-options bash > $@.tmp
	mv $@.tmp $@

$(BUILD)/offcap.lua: wireshark/offcap.lua.in $(BUILD)/offcap
	pts=$$($(BUILD)/offcap --list-points | awk '{ printf "%s[\"%s\"] = \"%s\"", (NR > 1 ? ", " : ""), $$1, $$2 }') && \
	  [ -n "$$pts" ] && sed "s|@HOOK_POINTS@|$$pts|" $< > $@.tmp
	mv $@.tmp $@

install: all
	install -D -m 0755 $(BUILD)/offcap $(DESTDIR)$(SBINDIR)/offcap
	install -D -m 0644 $(BUILD)/offcap.8 $(DESTDIR)$(MANDIR)/man8/offcap.8
	install -D -m 0644 $(BUILD)/offcap.bash-completion $(DESTDIR)$(BASHCOMPDIR)/offcap
	install -D -m 0644 $(BUILD)/offcap.lua $(DESTDIR)$(WS_PLUGINDIR)/offcap.lua
	install -d $(DESTDIR)$(WS_EXTCAPDIR)
	ln -sfn $(SBINDIR)/offcap $(DESTDIR)$(WS_EXTCAPDIR)/offcap

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/offcap $(DESTDIR)$(MANDIR)/man8/offcap.8 $(DESTDIR)$(BASHCOMPDIR)/offcap \
	      $(DESTDIR)$(WS_PLUGINDIR)/offcap.lua $(DESTDIR)$(WS_EXTCAPDIR)/offcap

# Per user: the plugin and the extcap link to the installed binary ($(DESTDIR)$(SBINDIR)/offcap).
install-user:
	@test -x $(DESTDIR)$(SBINDIR)/offcap || { echo "install-user: $(DESTDIR)$(SBINDIR)/offcap is not installed (make install)" >&2; exit 1; }
	install -D -m 0644 $(BUILD)/offcap.lua $(USER_PLUGINDIR)/offcap.lua
	for d in $(USER_EXTCAPDIRS); do install -d $$d && ln -sfn $(abspath $(DESTDIR)$(SBINDIR))/offcap $$d/offcap || exit 1; done

uninstall-user:
	rm -f $(USER_PLUGINDIR)/offcap.lua $(addsuffix /offcap,$(USER_EXTCAPDIRS))

deps:
	@missing=""; for p in $(PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  [ "$$(id -u)" = 0 ] || { echo "deps: need root to install$$missing" >&2; exit 1; }; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	    || { echo "deps: apt-get install failed" >&2; exit 1; }; \
	fi

# Regenerate the checked-in CO-RE header from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) vmlinux/vmlinux.h | $(BUILD)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Ibpf -Wall -Werror -c $< -o $@.tmp
	@# the capture filter stubs (user/filter/splice.c) must start with their magic: no
	@# instruction before it, so the arguments are still in r1-r4
	@if [ $* = capture ]; then for f in oc_filter_l2 oc_filter_l3; do \
	  llvm-objdump -d $@.tmp | grep -A1 "<$$f>:" | grep -q 'r0 = 26823513[45]$$' || \
	  { echo "$@: $$f does not start with its magic (clang moved code into the stub)" >&2; rm -f $@.tmp; exit 1; }; done; fi
	mv $@.tmp $@

$(BUILD)/tests/%.bpf.o: tests/bpf/%.bpf.c vmlinux/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux -Wall -Werror -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/obj/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -c $< -o $@

# offcap view's page template, built into the binary as one C string.
$(BUILD)/view_html.h: tools/offcap/view.html | $(BUILD)
	{ echo 'static const char view_html[] ='; sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; echo ';'; } > $@
$(BUILD)/obj/tools/offcap/viewout.o: $(BUILD)/view_html.h

$(BUILD)/liboffcap.a: $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/liboffcap-san.a: $(LIB_SAN_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/offcap: $(patsubst %.c,$(BUILD)/obj/%.o,$(TOOL_SRCS)) $(BUILD)/liboffcap.a
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liboffcap.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit $< $(BUILD)/liboffcap.a -o $@ $(LDLIBS)

$(BUILD)/tests-san/%: tests/unit/%.c $(BUILD)/liboffcap-san.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -Itests/unit $< $(BUILD)/liboffcap-san.a -o $@ $(LDLIBS)

$(BUILD)/tests/fuzz_filter: tests/filter/fuzz_filter.c $(BUILD)/liboffcap.a $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< $(BUILD)/liboffcap.a -o $@ $(LDLIBS)

$(BUILD):
	@mkdir -p $@

unit: $(UNIT_BINS) $(UNIT_SAN_BINS) $(TEST_BPF_OBJS) $(BUILD)/tests/fuzz_filter

# The kernel filter against libpcap on random expressions and packets (root):
# make fuzz-filter [FUZZ_SEED=1] [FUZZ_TIME=60 seconds, 0: no bound] [FUZZ_EXPRS=0: no bound]
# [FUZZ_PKTS=100 packets per expression]
FUZZ_SEED ?= 1
FUZZ_TIME ?= 60
FUZZ_EXPRS ?= 0
FUZZ_PKTS ?= 100
fuzz-filter: deps all $(BUILD)/tests/fuzz_filter
	python3 tests/filter/packets.py $(BUILD)/fuzz-crafted
	$(BUILD)/tests/fuzz_filter -s $(FUZZ_SEED) -t $(FUZZ_TIME) -n $(FUZZ_EXPRS) -p $(FUZZ_PKTS) \
	  -r $(BUILD)/fuzz-crafted.pcap -r $(BUILD)/fuzz-crafted-raw.pcap

demo: deps all
	tools/demo.sh

check: deps all unit
	tests/run.sh

# Debian's 5.10, 6.1 and 6.12 kernels in qemu, the integration tests in each (see README).
check-kernels: deps all unit
	@$(MAKE) --no-print-directory deps PKGS="$(KERNEL_PKGS)"
	tests/kernels/run.sh

# Pairs of emulated NICs (e1000e, virtio-net, vmxnet3, e1000) in Debian's 6.1 and 6.12 guests (see README).
check-nics: deps all unit
	@$(MAKE) --no-print-directory deps PKGS="$(KERNEL_PKGS)"
	tests/nics/run.sh

bench: deps all
	bench/run.sh

# two captures of one path: offcap report A B and merge against tcpdump -r (bench/merge.sh)
bench-merge: deps all
	bench/merge.sh

# offcap view's page size and load time, for a demo-sized and a 1 GB capture (bench/view.sh)
bench-view: deps all
	bench/view.sh

clean:
	rm -rf $(BUILD)
