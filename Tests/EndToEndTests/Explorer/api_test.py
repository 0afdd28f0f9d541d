"""API tests of `coopsim serve` against the real binary, on loopback only.

Every answer is checked against `coopsim run` on the same inputs (the explorer's numbers must be the
command line's, byte for byte), every refusal for its status and a message naming the field. The load
loop is bounded (300 requests, 16 at a time) and stays on 127.0.0.1.

Usage: python3 api_test.py COOPSIM_BINARY
"""
import concurrent.futures
import filecmp
import json
import os
import sys
import tempfile

from explorer_common import Server, check, cli_targets, key, rows

binary = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="coopsim-explorer-api-")
out = os.path.join(tmp, "explorer")
base_file, plan_file = "Scenarios/hcmc-baseline.toml", "Scenarios/hcmc-2024-plan.toml"
server = Server(binary, [base_file, plan_file], out)
try:
    # The catalog.
    status, cat = server.post("/api/run", {"scenario": "nope"})
    check(status == 404 and "scenario: expected one of" in cat["error"] and "nope" in cat["error"], "an unknown scenario is 404, naming the field")
    status, data = server.request("GET", "/api/scenarios")
    catalog = json.loads(data)
    names = [s["name"] for s in catalog["scenarios"]]
    check(status == 200 and names == ["hcmc-baseline", "hcmc-2024-plan"], f"catalog lists both scenarios in order ({names})")
    plan = catalog["scenarios"][1]
    check(plan["baseline"] == "hcmc-baseline", "the plan's default baseline is the scenario it extends")
    controls = {c["name"]: c for c in plan["controls"]}
    check({"support", "promotion", "training", "enforcement", "grdp_growth"} <= set(controls), f"controls: {sorted(controls)}")

    # Unchanged plan == coopsim run of the plan file.
    status, res = server.post("/api/run", {"scenario": "hcmc-2024-plan", "seq": 1, "session": "t"})
    check(status == 200, f"run answers 200 ({status})")
    cli = {key(r): r for r in cli_targets(binary, plan_file, os.path.join(tmp, "cli-plan"))}
    mine = [r for r in rows(res["targets"]) if r["scenario"] == res["scenario"]]
    check(len(mine) == len(cli) > 0, f"{len(mine)} targets for the explored scenario")
    for r in mine:
        c = cli[key(r)]
        check(r["probability"] == c["probability"] and r["mc_se"] == c["mc_se"],
              f"unchanged {r['metric']} {r['year']}: {r['probability']} == coopsim run's {c['probability']}")
    base_rows = [r for r in rows(res["targets"]) if r["scenario"] == "hcmc-baseline"]
    cli_base = {key(r): r for r in cli_targets(binary, base_file, os.path.join(tmp, "cli-base"))}
    for r in base_rows:
        check(r["probability"] == cli_base[key(r)]["probability"], f"baseline {r['metric']}: {r['probability']} == coopsim run's")

    # A changed lever, saved, then run from the command line: the same numbers.
    year = str(controls["training"]["years"][0])
    changed = {"training": {year: 0.4}, "promotion": {year: 45}}
    status, res = server.post("/api/run", {"scenario": "hcmc-2024-plan", "values": changed, "seq": 2, "session": "t"})
    check(status == 200, "a changed lever runs")
    live = {key(r): r for r in rows(res["targets"]) if r["scenario"] == res["scenario"]}
    status, saved = server.post("/api/save", {"scenario": "hcmc-2024-plan", "values": changed, "name": "more-training"})
    check(status == 200 and saved["file"].endswith("more-training.toml"), f"save writes {saved.get('file')}")
    text = open(saved["file"], encoding="utf-8").read()
    check('extends = "' in text and "training = {" in text and "promotion = {" in text and "support" not in text.split("extends")[1],
          "the saved file extends the explored one and gives only the changed levers")
    r = __import__("subprocess").run([binary, "validate", saved["file"]], capture_output=True, text=True)
    check(r.returncode == 0, f"coopsim validate accepts the saved file ({r.stderr.strip()})")
    cli = {key(r): r for r in cli_targets(binary, saved["file"], os.path.join(tmp, "cli-saved"))}
    for k, r in live.items():
        check(r["probability"] == cli[k]["probability"] and r["mc_se"] == cli[k]["mc_se"],
              f"changed {k[0]}: explorer {r['probability']} == coopsim run of the saved file {cli[k]['probability']}")
    status, again = server.post("/api/save", {"scenario": "hcmc-2024-plan", "values": changed, "name": "more-training"})
    check(status == 409 and "exists" in again["error"], "saving over an existing file is refused (409)")
    check(open(saved["file"], encoding="utf-8").read() == text, "the existing file is unchanged")

    # Export == coopsim run --out, byte for byte (run.json aside).
    status, exp = server.post("/api/export", {"scenario": "hcmc-2024-plan", "values": changed, "name": "exported"})
    check(status == 200, f"export answers 200 ({exp})")
    cli_out = os.path.join(tmp, "cli-exported")
    cli_targets(binary, exp["file"], cli_out)
    for name in sorted(os.listdir(cli_out)):
        if name == "run.json":
            continue
        check(filecmp.cmp(os.path.join(cli_out, name), os.path.join(exp["folder"], name), shallow=False),
              f"exported {name} is byte-identical to coopsim run's")
    status, again = server.post("/api/export", {"scenario": "hcmc-2024-plan", "values": changed, "name": "exported"})
    check(status == 409, "exporting over an existing folder is refused (409)")

    # Refusals: status and a message naming the field.
    bad = [
        ({"scenario": "hcmc-2024-plan", "values": {"training": {year: 1.4}}}, 422, f"values.training.{year}"),
        ({"scenario": "hcmc-2024-plan", "values": {"training": {year: -0.1}}}, 422, f"values.training.{year}"),
        ({"scenario": "hcmc-2024-plan", "values": {"promotion": {year: 1e9}}}, 422, f"values.promotion.{year}"),
        ({"scenario": "hcmc-2024-plan", "values": {"trainning": {year: 0.3}}}, 422, "did you mean 'training'"),
        ({"scenario": "hcmc-2024-plan", "values": {"training": {"1999": 0.3}}}, 422, "values.training.1999"),
        ({"scenario": "hcmc-2024-plan", "values": {"training": {"twenty": 0.3}}}, 400, "values.training.twenty"),
        ({"scenario": "hcmc-2024-plan", "values": {"training": {year: "0.3"}}}, 400, "expected a number"),
        ({"scenario": "hcmc-2024-plan", "values": {"training": {year: True}}}, 400, "expected a number"),
        ({"scenario": "hcmc-2024-plan", "values": {"training": 0.3}}, 400, "values.training"),
        ({"scenario": "hcmc-2024-plan", "values": [1, 2]}, 400, "values"),
        ({"scenario": 3}, 400, "scenario"),
        ({"scenario": "hcmc-2024-plan", "formula": "coops ~ 1"}, 400, "formula"),
        ({"scenario": "hcmc-2024-plan", "baseline": "nope"}, 404, "baseline"),
        ({"scenario": "hcmc-2024-plan", "seq": -1}, 400, "seq"),
    ]
    for body, want, words in bad:
        status, ans = server.post("/api/run", body)
        check(status == want and words in ans["error"], f"{json.dumps(body)} -> {status} '{ans['error'][:90]}'")
    for body, want, words in [("{not json", 400, "not valid JSON"), ("[1]", 400, "expected a JSON object")]:
        status, data = server.request("POST", "/api/run", body)
        check(status == want and words in json.loads(data)["error"], f"{body} -> {status}")
    status, ans = server.post("/api/save", {"scenario": "hcmc-2024-plan", "name": "../escape"})
    check(status == 422 and "name:" in ans["error"], "a file name with a path is refused")
    check(not os.path.exists(os.path.join(tmp, "escape.toml")), "nothing written outside --out")
    status, data = server.request("POST", "/api/run", "x" * (65 * 1024))
    check(status == 413, f"an oversized body is refused ({status})")
    status, data = server.request("GET", "/api/scenarios", headers={"Host": "evil.example:80"})
    check(status == 421, f"a foreign Host header is refused ({status})")
    status, data = server.request("DELETE", "/api/run")
    check(status in (404, 405), f"other methods are refused ({status})")
    status, data = server.request("GET", "/../../etc/passwd")
    check(status == 404, "no file browsing")

    # Bounded load: 300 requests, 16 at a time, all answered (200, or 409 when superseded), memory flat.
    def one(k):
        body = {"scenario": "hcmc-2024-plan", "values": {"promotion": {year: 20 + k % 30}}, "session": f"s{k % 8}", "seq": k}
        status, _ = server.post("/api/run", body, timeout=120)
        return status
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(40)))
    before = server.rss_kib()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(one, range(300)))
    after = server.rss_kib()
    check(all(s in (200, 409) for s in statuses), f"300 concurrent requests answered: {sorted(set(statuses))}")
    check(after - before < 150 * 1024, f"memory under load: {before // 1024} MiB -> {after // 1024} MiB")
    status, _ = server.post("/api/run", {"scenario": "hcmc-2024-plan"})
    check(status == 200 and server.proc.poll() is None, "the server still answers after the load")
    check(sorted(os.listdir(out)) == ["exported", "exported.toml", "more-training.toml"], f"only the saved files in --out: {sorted(os.listdir(out))}")
finally:
    code = server.stop()
print("explorer API: all checks passed")
