"""Response time of `coopsim serve` for a lever change (the explorer's unit of work), on loopback.

Starts the release binary's `serve` on the Ho Chi Minh City plan and its baseline, then sends N
`POST /api/run` requests one after another, each moving the promotion and training levers (so every
request really re-runs both scenarios at the scenario's 4,000 draws, with common random numbers), and
reports the median and 90th percentile of the wall time per request, next to the wall time of the
whole-process `coopsim compare` of the same two files (what an analyst would otherwise run after
editing TOML). Wall-clock figures: run it on a quiet machine (`make bench-serve`).

Usage: python3 Benchmarks/peers/serve_latency.py [--bin .build/release/coopsim] [--requests 200]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Tests", "EndToEndTests", "Explorer"))
from explorer_common import Server  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "coopsim"))
    ap.add_argument("--requests", type=int, default=200)
    a = ap.parse_args()
    files = ["Scenarios/hcmc-baseline.toml", "Scenarios/hcmc-2024-plan.toml"]
    tmp = tempfile.mkdtemp(prefix="coopsim-serve-bench-")
    server = Server(a.bin, files, os.path.join(tmp, "out"), extra=["--simulations", "1"])
    try:
        status, cat = server.post("/api/run", {"scenario": "hcmc-2024-plan"})
        assert status == 200, cat
        year = str(cat["controls"][0]["years"][0])
        times = []
        for k in range(a.requests + 5):
            body = {"scenario": "hcmc-2024-plan", "values": {"promotion": {year: 20 + k % 40}, "training": {year: 0.2 + 0.005 * (k % 20)}}}
            t0 = time.perf_counter()
            status, res = server.post("/api/run", body)
            dt = time.perf_counter() - t0
            assert status == 200, res
            if k >= 5:
                times.append(dt)
        draws = res["draws"]
    finally:
        server.stop()
    cli = []
    for k in range(7):
        t0 = time.perf_counter()
        subprocess.run([a.bin, "compare", *files, "--threads", "1", "--out", os.path.join(tmp, f"cli{k}")], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cli.append(time.perf_counter() - t0)
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"coopsim serve, lever change on hcmc-2024-plan vs hcmc-baseline, {draws} draws, 1 simulation thread, {len(times)} requests")
    print(f"  median {1000 * statistics.median(times):.1f} ms, p90 {1000 * p90:.1f} ms per request (loopback, JSON included)")
    print(f"  coopsim compare of the same two files as a whole process: median {1000 * statistics.median(cli[1:]):.1f} ms")


if __name__ == "__main__":
    main()
