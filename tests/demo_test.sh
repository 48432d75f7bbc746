#!/usr/bin/env bash
# The demo must name recv_content as the top grower, and not the start-up allocation.
set -euo pipefail
demo=$1 build=$2 out=$3
"$demo" "$build" "$out" >/dev/null
top_growth=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"][0]["name"])' "$out/diff.json")
[[ "$top_growth" == *recv_content ]] || { echo "top grower is '$top_growth', expected recv_content"; exit 1; }
if grep -q load_routing_table <(python3 -c 'import json,sys; [print(r["name"]) for r in json.load(open(sys.argv[1]))["rows"][:3] if abs(r["delta"]) > 1<<20]' "$out/diff.json"); then
  echo "the one-off start-up allocation shows as growth"; exit 1
fi
suspects=$(python3 -c 'import json,sys; print(" ".join(s["name"] for s in json.load(open(sys.argv[1]))["suspects"]))' "$out/trend.json")
[[ "$suspects" == *recv_content* ]] || { echo "trend suspects are '$suspects', expected recv_content"; exit 1; }
[[ "$suspects" != *load_routing_table* ]] || { echo "the start-up allocation is a trend suspect"; exit 1; }
for f in top.txt diff.txt trend.txt snapshot.1.pb.gz snapshot.5.pb.gz; do [ -s "$out/$f" ] || { echo "missing $f"; exit 1; }; done
echo "demo ok: top grower recv_content; trend suspects: $suspects"
