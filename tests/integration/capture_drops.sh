#!/usr/bin/env bash
# Drops are never silent and the file carries what offcap prints: a small
# ring, whole packets (--ring-full drop: none cut to headers instead), two
# interfaces, a fast stream.
source "$(dirname "$0")/../lib.sh"
oc_pair 1500 || { not_ok "namespaces and veth pair"; exit 1; }
F=$OC_TMP/drops.pcapng
"$OFFCAP" capture -i "$NS_A/oca" -i "$NS_B/ocb" -p all -s 0 -B 2 --ring-full drop -w "$F" >/dev/null 2>"$OC_TMP/err" &
OC_CAP_PID=$!; OC_PIDS+=($!)
oc_wait_file "$F"; sleep 0.3
oc_iperf 100M
oc_capture_stop; check "capture exits 0" [ $? -eq 0 ]
"$OFFCAP" stats "$F" > "$OC_TMP/stats"
total=0
for p in xdp tc-ingress tc-egress post-gso; do
	printed=$(awk -v p="$p" '$1 == p && $6 == "dropped" {print $5}' "$OC_TMP/err")
	infile=$(awk -v p="@$p" 'index($1, p) { for (i = 1; i <= NF; i++) if ($i ~ /^drop=/) { sub("drop=", "", $i); n += $i } } END { print n + 0 }' "$OC_TMP/stats")
	check_num "$p: the statistics blocks' drops add up to the $printed printed" "$infile" -eq "${printed:-x}"
	total=$((total + ${printed:-0}))
done
echo "# drops in all: $total"
check_num "the small ring did drop (the check above had something to count)" "$total" -gt 0
check "tshark reads the file" tshark -r "$F" -q
