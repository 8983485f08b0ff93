#!/usr/bin/env bash
# make install into a DESTDIR and a temporary HOME; tshark lists offcap's
# extcap interfaces and captures through one on a veth pair with traffic; the
# extcap stops on SIGTERM and when its reader goes away, leaving nothing
# attached; man renders offcap(8); make uninstall removes every file.
source "$(dirname "$0")/../lib.sh"
D=$OC_TMP/destdir H=$OC_TMP/home
mkdir -p "$H"
MK=(make -s --no-print-directory -C "$OC_ROOT" DESTDIR="$D" PREFIX=/usr HOME="$H")
# where tshark itself looks: global Lua plugins and extcaps
WSLUA=$(tshark -G folders 2>/dev/null | sed -n 's/^Global Lua Plugins:[[:space:]]*//p')
WSEXT=$(tshark -G folders 2>/dev/null | sed -n 's/^Extcap path:[[:space:]]*//p')
check "make install into DESTDIR" "${MK[@]}" install
check "make install-user into the temporary HOME" "${MK[@]}" install-user
X=$D/usr/sbin/offcap
for f in "$X" "$D/usr/share/man/man8/offcap.8" "$D$WSLUA/offcap.lua" \
	"$H/.local/lib/wireshark/plugins/offcap.lua"; do
	check "installed: ${f#"$OC_TMP"/}" test -s "$f"
done
check "installed: the extcap link in Wireshark's folder points at the binary" \
	[ "$(readlink "$D$WSEXT/offcap")" = /usr/sbin/offcap ]
check "installed: the per-user extcap link (Wireshark 4.0's ~/.config/wireshark/extcap)" \
	[ "$(readlink -f "$H/.config/wireshark/extcap/offcap")" = "$(readlink -f "$X")" ]
man -l "$D/usr/share/man/man8/offcap.8" >"$OC_TMP/man.txt" 2>"$OC_TMP/man.err"
check "man -l renders offcap(8) without warnings" bash -c "[ ! -s '$OC_TMP/man.err' ] && grep -q 'PACKET COMMENT' '$OC_TMP/man.txt'"
check "offcap(8) has every hook point, subcommand and the exit codes" bash -c \
	"for w in xdp tc-ingress tc-egress post-gso 'offcap capture' 'offcap report' 'offcap split' \
	 'offcap stats' 'offcap extcap' 'EXIT STATUS' gso_segs netns_ino; do grep -q -- \"\$w\" '$OC_TMP/man.txt' || exit 1; done"

# offcap(8)'s option lists and the bash completion come from the option tables (params.h)
check "offcap(8) lists each command's options from its table" bash -c \
	"for w in '--snapshot-length N' '--filter-file FILE' '--flow-limit N' '--frames N' '--window MS' \
	 '--extcap-capture-filter FILTER'; do grep -q -- \"\$w\" '$OC_TMP/man.txt' || exit 1; done"
C=$D/usr/share/bash-completion/completions/offcap
# comp WORDS...: what the completion offers for the last word
comp() { bash -c 'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _offcap; echo "${COMPREPLY[*]}"' "$C" "$@"; }
check "installed: the generated bash completion (syntax)" bash -n "$C"
c1=$(comp offcap capture --fil) c2=$(comp offcap capture -p tc-ingress,po) c3=$(comp offcap capture --snapl)
check "completion: capture's options, the hook points after -p, from the binary ($c1; $c2)" \
	bash -c "[ '$c1' = --filter-file ] && [ '$c2' = tc-ingress,post-gso ]"
check "completion: hidden old spellings are not offered ($c3)" [ -z "$c3" ]

oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
HOME=$H tshark -D >"$OC_TMP/D.txt" 2>/dev/null
check "tshark -D lists offcap:$NS_A/oca and offcap:$NS_B/ocb" \
	bash -c "grep -q 'offcap:$NS_A/oca (offcap: oca in $NS_A' '$OC_TMP/D.txt' && grep -q 'offcap:$NS_B/ocb' '$OC_TMP/D.txt'"
check "the capture filter check: empty is valid" bash -c "[ -z \"\$('$X' --extcap-interface offcap:$NS_A/oca --extcap-capture-filter '')\" ]"
check "the capture filter check: a valid one passes" bash -c "[ -z \"\$('$X' --extcap-interface offcap:$NS_A/oca --extcap-capture-filter 'tcp port 5201')\" ]"
check "the capture filter check: a typo is refused with libpcap's reason" \
	bash -c "'$X' --extcap-interface offcap:$NS_A/oca --extcap-capture-filter 'tcp prot 5201' | grep -q 'syntax error'"
check "--extcap-config: hook points as a multicheck, snaplen" bash -c \
	"'$X' --extcap-interface offcap:$NS_A/oca --extcap-config | grep -q 'call=--points}.*type=multicheck' &&
	 '$X' --extcap-interface offcap:$NS_A/oca --extcap-config | grep -q 'value {arg=0}{value=post-gso}'"

F=$OC_TMP/tshark.pcapng
( sleep 1.2; oc_iperf 4M ) &
HOME=$H timeout 40 tshark -i "offcap:$NS_A/oca" -f "tcp port 5201" -a duration:3 -w "$F" >"$OC_TMP/tshark.out" 2>&1
wait
names=$(tshark -r "$F" -T fields -e frame.interface_name 2>/dev/null | sort -u | tr '\n' ' ')
check "tshark -i offcap:NS/oca -a duration:3 -w F: one IDB per default hook point ($names)" \
	[ "$names" = "oca@post-gso oca@tc-egress oca@tc-ingress " ]
n=$(tshark -r "$F" -Y "tcp.port == 5201" -T fields -e frame.number 2>/dev/null | wc -l)
check_num "the transfer's packets are in F" "$n" -gt 100
check_num "the capture filter (-f 'tcp port 5201') let nothing else through" \
	"$(tshark -r "$F" -Y "!(tcp.port == 5201)" -T fields -e frame.number 2>/dev/null | wc -l)" -eq 0
m=$(HOME=$H tshark -r "$F" -Y 'offcap.gso_segs > 1 && offcap.point == "tc-egress"' -T fields -e frame.number 2>/dev/null | wc -l)
check_num "the per-user plugin loads and shows the super-frames" "$m" -gt 0
left=$(oc_leftovers "$NS_A"; pgrep -f "offcap:$NS_A/" )
check "nothing attached and no extcap left after tshark stops" [ -z "$left" ]

send_udp() { ina bash -c "for i in \$(seq $1); do echo offcap-extcap-test > /dev/udp/$IP_B/9999; sleep 0.1; done"; }
# The extcap by hand (no capture filter): SIGTERM, then a reader that goes away
mkfifo "$OC_TMP/fifo"
"$X" --capture --extcap-interface "offcap:$NS_A/oca" --fifo "$OC_TMP/fifo" --points tc-egress --snaplen 128 \
	2>"$OC_TMP/ext.err" & E=$!
cat "$OC_TMP/fifo" >"$OC_TMP/term.pcapng" & C=$!
sleep 1; send_udp 3; sleep 0.3; kill -TERM $E; wait $E; rc=$?; wait $C
check "SIGTERM: exit 0, nothing on stderr" bash -c "[ $rc -eq 0 ] && [ ! -s '$OC_TMP/ext.err' ]"
check_num "SIGTERM: the stream is a whole pcapng with the datagrams" \
	"$(tshark -r "$OC_TMP/term.pcapng" -Y 'udp.dstport == 9999 && frame.interface_name == "oca@tc-egress"' -T fields -e frame.number 2>/dev/null | wc -l)" -ge 3
"$X" --capture --extcap-interface "offcap:$NS_A/oca" --fifo "$OC_TMP/fifo" 2>"$OC_TMP/ext.err" & E=$!
head -c 100 "$OC_TMP/fifo" >/dev/null
send_udp 5
for i in $(seq 50); do kill -0 $E 2>/dev/null || break; sleep 0.1; done
check "the reader goes away: the extcap stops by itself" bash -c "! kill -0 $E 2>/dev/null"
wait $E; rc=$?
check "the reader goes away: exit 0, nothing on stderr" bash -c "[ $rc -eq 0 ] && [ ! -s '$OC_TMP/ext.err' ]"
check "the reader goes away: nothing stays attached" [ -z "$(oc_leftovers "$NS_A")" ]

check "make uninstall and uninstall-user" bash -c "${MK[*]} uninstall && ${MK[*]} uninstall-user"
rest=$(find "$D" "$H" \( -type f -o -type l \) 2>/dev/null)
check "no installed file remains ($rest)" [ -z "$rest" ]
