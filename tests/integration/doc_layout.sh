#!/usr/bin/env bash
# README's "Layout" section is the tree: every source under bpf/, user/ and tools/
# is named in it, and every file it names exists.
source "$(dirname "$0")/../lib.sh"
cd "$OC_ROOT" || exit 1
layout=$(awk '/^## Layout/{on=1; next} on && /^## /{exit} on' README.md)
check "README has a Layout section" [ -n "$layout" ]
missing=() stale=()
# a file is named by its whole name; a header also by its .c ("x.c" stands for x.c and x.h)
named() { grep -qE -- "(^|[^a-z0-9_.])${1//./\\.}([^a-z0-9_]|$)" <<<"$layout"; }
while read -r f; do
	b=$(basename "$f")
	named "$b" || { [[ $b == *.h ]] && named "${b%.h}.c"; } || missing+=("$f")
done < <(git ls-files bpf user tools)
for n in $(grep -oE '(^|[ (,])[a-z_][a-z0-9_.]*\.(c|h|in|html|sh)\b' <<<"$layout" | sort -u); do
	n=${n#[ (,]}
	git ls-files | grep -q "/$n\$\|^$n\$" || stale+=("$n")
done
check "every file under bpf/, user/, tools/ is named in README's layout (missing: ${missing[*]:-none})" \
	[ ${#missing[@]} -eq 0 ]
check "every file README's layout names exists (stale: ${stale[*]:-none})" [ ${#stale[@]} -eq 0 ]
rm -rf "$OC_TMP"
