#!/usr/bin/env python3
"""Runs each scenario variant N times in a row (short, as the CI checks do) and prints the margins:
for leaky runs the top suspect's growth against its noise threshold and its fit; for fixed runs the
strongest grower that was not a suspect. Usage: scripts/scenario_repeat.py [--runs 5] [--duration 12]"""
import argparse, json, os, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser(description=__doc__)
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--duration", type=float, default=12)
ap.add_argument("--build", default=os.path.join(root, "build"))
ap.add_argument("--out", default="/tmp/leakscope-scenario-repeat")
a = ap.parse_args()

rows, failures = [], 0
for name in ("autoack", "notify-close"):
    for variant in ("leaky", "fixed"):
        for i in range(1, a.runs + 1):
            out = f"{a.out}/{name}-{variant}-{i}"
            rc = subprocess.run([os.path.join(root, "scenarios/run"), name, "--variant", variant, "--duration",
                                 str(a.duration), "--out", out], env=dict(os.environ, LEAKSCOPE_BUILD=a.build),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            v = json.load(open(f"{out}/verdict.json")) if os.path.exists(f"{out}/verdict.json") else {}
            t = json.load(open(f"{out}/trend.json")) if os.path.exists(f"{out}/trend.json") else {}
            failures += rc != 0
            if variant == "leaky" and v.get("suspects"):
                s = v["suspects"][0]
                detail = f'{s["name"]}: growth {s["growth"]/1048576:.2f} MiB = {s["growth"]/s["noise"]:.1f}x noise, R2 {s["r2"]:.3f}'
            elif variant == "fixed":
                grow = t.get("growing", []) + t.get("suspects", [])
                if grow:
                    g = max(grow, key=lambda r: r["growth"] / r["noise"])
                    detail = f'strongest non-suspect {g["name"]}: {g["growth"]/g["noise"]:.2f}x noise, R2 {g["r2"]:.2f}'
                else:
                    detail = f'no function above noise ({t.get("stable", "?")} stable)'
            else:
                detail = "no suspect"
            line = f'{name:13} {variant:6} run {i}: {"pass" if rc == 0 else "FAIL"}  lost {v.get("lost", "?")}  {detail}'
            print(line, flush=True)
print(f"\n{failures} failed of {4 * a.runs}")
sys.exit(1 if failures else 0)
