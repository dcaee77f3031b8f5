#!/usr/bin/env bash
# Writes the manual pages of the package from the CLI's own help (help2man): shoal(1),
# shoal-COMMAND(1) for each command `shoal --help` lists, and shoal-sim(1). Each page is
# gzipped without a timestamp (reproducible, as lintian asks).
# Usage: scripts/package.d/man.sh SHOAL SHOAL_SIM OUT_DIR VERSION
set -euo pipefail
shoal=$1 sim=$2 out=$3 version=$4
rm -rf "$out" && mkdir -p "$out/bin"
h2m=(help2man --no-info --no-discard-stderr --version-string="$version" --section=1
     --source="Shoal $version" --manual="Shoal manual")
page() {  # NAME DESCRIPTION PROGRAM
  "${h2m[@]}" --name="$2" --output="$out/$1.1" "$3"
  gzip -n -9 -f "$out/$1.1"
}
page shoal "a decentralised container scheduler (no control plane, SWIM gossip)" "$shoal"
page shoal-sim "the Shoal simulator: gossip experiments and placement on virtual time" "$sim"
# The commands and their one-line descriptions, as `shoal --help` lists them (help2man names
# a page after its program, so each command gets a tiny program of its own name).
"$shoal" --help | awk '/^Subcommands:/ { on = 1; next } on && !NF { exit } on { print }' |
while read -r cmd desc; do
  printf '#!/bin/sh\nexec %q %s "$@"\n' "$(readlink -f "$shoal")" "$cmd" > "$out/bin/shoal-$cmd"
  chmod +x "$out/bin/shoal-$cmd"
  page "shoal-$cmd" "$desc" "$out/bin/shoal-$cmd"
done
rm -rf "$out/bin"
