#!/usr/bin/env bash
# make demo, shortened: the leaky replay must blame recv_content, the fixed one must be clean with
# nothing lost, and both reports must exist. Checked from verdict.json and fake-fcm's own record.
set -euo pipefail
demo=$1 build=$2 out=$3
rm -rf "$out"
DEMO_DURATION=10 "$demo" "$build" "$out" >"$out.log" 2>&1 || { tail -30 "$out.log"; exit 1; }
field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"v": v}))' "$@"; }
top=$(field "$out/autoack-leaky/verdict.json" 'v["suspects"][0]["name"] if v["suspects"] else ""')
[ "$top" = "leakscope::relay::recv_content" ] || { echo "leaky top suspect is '$top'"; exit 1; }
[ "$(field "$out/autoack-fixed/verdict.json" 'len(v["suspects"])')" = 0 ] || { echo "fixed has suspects"; exit 1; }
[ "$(field "$out/autoack-fixed/verdict.json" 'v["lost"]')" = 0 ] || { echo "fixed lost jobs"; exit 1; }
delivered=$(python3 -c 'import json,sys; print(len({json.loads(l)["message"]["data"]["id"] for l in open(sys.argv[1])}))' "$out/autoack-fixed/accepted.jsonl")
[ "$delivered" = "$(field "$out/autoack-fixed/verdict.json" 'v["delivered"]')" ] || { echo "delivered count disagrees with fake-fcm's record"; exit 1; }
for f in autoack-leaky/report/index.html autoack-fixed/report/index.html autoack-leaky/report/diff-flame.svg; do
  [ -s "$out/$f" ] || { echo "missing $f"; exit 1; }
done
grep -q "recv_content" "$out.log" || { echo "demo output does not show recv_content"; exit 1; }
echo "demo ok: leaky blames $top; fixed clean, $delivered delivered"
