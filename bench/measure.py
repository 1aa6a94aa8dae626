#!/usr/bin/env python3
"""Runs envparity diff, the parse floor and the peers on each generated pair, and prints
the table bench/README.md holds. Called by bench/compare.sh, which builds and generates
first; standard library only.

Each command runs under GNU time (`/usr/bin/time -f %M`, the peak resident set size of
the largest process it waited for) and a wall-clock timer, with a deadline: a peer that
overruns it is killed and reported as "timeout". Every command runs RUNS times (default
3) and the median wall time is reported, except that a command slower than SLOW_S
seconds runs once.

Exit status: 0 when every check of correctness passed (the keyed pairs give exactly one
finding), 1 otherwise. Targets of speed and memory are reported, not enforced: on a
shared machine they measure the neighbours as much as the program.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("RUNS", "3"))
TIMEOUT_S = float(os.environ.get("PEER_TIMEOUT", "300"))
SLOW_S = 20.0


def run_once(cmd, timeout):
    """(wall seconds, peak RSS in KiB, exit code, stdout, CPU seconds) or ("timeout", None,
    None, "", None)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%U %S %M", "-o", tf.name] + cmd
        start = time.perf_counter()
        p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return ("timeout", None, None, "", None)
        wall = time.perf_counter() - start
        text = tf.read().strip().splitlines()
        fields = text[-1].split() if text else []
        rss = int(fields[2]) if len(fields) == 3 and fields[2].isdigit() else None
        cpu = float(fields[0]) + float(fields[1]) if len(fields) == 3 else None
        # GNU time reports the child's status in its own exit code.
        if p.returncode not in (0, 1):
            sys.stderr.write(f"measure: {' '.join(cmd)} exited {p.returncode}: "
                             f"{err.decode(errors='replace').strip()[:300]}\n")
        return (wall, rss, p.returncode, out.decode(errors="replace"), cpu)


def measure(cmd, runs=RUNS, timeout=TIMEOUT_S):
    walls, cpus, rss, code, out = [], [], 0, None, ""
    for i in range(runs):
        w, r, c, o, u = run_once(cmd, timeout)
        if w == "timeout":
            return {"wall": "timeout", "rss": None, "code": None, "out": "", "cpu": None}
        walls.append(w)
        cpus.append(u or 0.0)
        rss = max(rss, r or 0)
        code, out = c, o
        if w > SLOW_S:
            break
    return {"wall": statistics.median(walls), "rss": rss, "code": code, "out": out,
            "cpu": statistics.median(cpus)}


def interleaved(cmds, runs=RUNS):
    """Measures several commands run in turn, RUNS rounds, so that the machine's load
    falls on each alike; the median of each."""
    results = [[] for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            results[i].append(measure(cmd, runs=1))
    out = []
    for ms in results:
        if any(m["wall"] == "timeout" for m in ms):
            out.append(ms[0])
            continue
        ms = sorted(ms, key=lambda m: m["wall"])
        mid = ms[len(ms) // 2]
        mid = dict(mid)
        mid["rss"] = max(m["rss"] or 0 for m in ms)
        mid["cpu"] = statistics.median(m["cpu"] for m in ms)
        out.append(mid)
    return out


def fmt_wall(m):
    if m["wall"] == "timeout":
        return f"timeout (>{TIMEOUT_S:.0f} s)"
    if m["code"] not in (0, 1):
        return f"failed ({m['code']})"
    w = m["wall"]
    return f"{w * 1000:.0f} ms" if w < 10 else f"{w:.1f} s"


def fmt_cpu(m):
    if m.get("cpu") is None:
        return "–"
    c = m["cpu"]
    return f"{c * 1000:.0f} ms CPU" if c < 10 else f"{c:.1f} s CPU"


def fmt_rss(m):
    return "–" if m["rss"] is None else f"{m['rss'] / 1024:.0f} MiB"


def findings(report_text):
    try:
        doc = json.loads(report_text)
    except json.JSONDecodeError:
        return None
    return doc.get("findings")


def main():
    data = os.path.join(ROOT, "target", "bench", "data")
    release = os.path.join(ROOT, "target", "release")
    envparity = os.path.join(release, "envparity")
    floor = os.path.join(release, "examples", "parse_floor")
    scan = os.path.join(release, "examples", "scan_floor")
    jpatch = os.path.join(release, "examples", "json_patch_diff")
    python = os.path.join(ROOT, "target", "bench", "venv", "bin", "python")
    deepdiff = os.path.join(ROOT, "bench", "deepdiff_peer.py")
    sets = sys.argv[1:] or ["realistic", "realistic-10m", "keyed-10k", "keyed-100k",
                            "keyed-1m", "leaves-1m"]

    # What the process takes whatever the input (code, the profile, the runtime): a diff of
    # two empty snapshots (bench/compare.sh writes them). The RSS above it is what the
    # input costs.
    empty = os.path.join(data, "empty")
    base = measure([envparity, "diff", os.path.join(empty, "staging.json"),
                    os.path.join(empty, "production.json"), "--format", "json"], runs=3)
    base_rss = base["rss"] or 0
    print(f"== a diff of two empty snapshots: {fmt_rss(base)} peak RSS", file=sys.stderr,
          flush=True)

    ok = True
    rows = []
    checks = []
    for name in sets:
        s = os.path.join(data, name, "staging.json")
        p = os.path.join(data, name, "production.json")
        size = os.path.getsize(s) + os.path.getsize(p)
        print(f"== {name} ({size / 1e6:.1f} MB together)", file=sys.stderr, flush=True)
        env, fl, sc = interleaved([
            [envparity, "diff", s, p, "--format", "json", "--show-expected"],
            [floor, s, p],
            [scan, s, p],
        ], runs=max(RUNS, 5))
        jp = measure([jpatch, s, p])
        dd = measure([python, deepdiff, s, p], runs=1)
        jq = measure(["bash", "-c", 'diff <(jq -S . "$1") <(jq -S . "$2") | grep -c "^[<>]"; wait',
                      "jq-diff", s, p], runs=1)
        fs = findings(env["out"])
        n_findings = "?" if fs is None else len(fs)
        ratio = (env["wall"] / fl["wall"]
                 if isinstance(env["wall"], float) and isinstance(fl["wall"], float) else None)
        rows.append({
            "name": name, "size": size, "env": env, "floor": fl, "scan": sc, "jpatch": jp,
            "deepdiff": dd, "jq": jq, "findings": n_findings, "ratio": ratio,
        })
        if name.startswith("keyed"):
            good = (fs is not None and len(fs) == 1
                    and fs[0]["path"].startswith("/features/waffle_flags/0_new_flag")
                    and fs[0]["class"] == "reduced")
            checks.append((f"{name}: exactly one finding (the head insertion, reduced)", good,
                           f"{n_findings} finding(s)"))
            ok &= good
        print(f"   envparity {fmt_wall(env)}, floor {fmt_wall(fl)}, scan {fmt_wall(sc)}, "
              f"json_patch {fmt_wall(jp)}, "
              f"deepdiff {fmt_wall(dd)}, jq+diff {fmt_wall(jq)}", file=sys.stderr, flush=True)

    def peer_count(m, prefix):
        out = m["out"].strip()
        if m["wall"] == "timeout" or not out:
            return "–"
        return out.split(":")[-1].strip() if prefix else out.splitlines()[-1].strip()

    print("| pair | input (both) | envparity diff | `Value` parse floor | scan floor "
          "| envparity / `Value` floor | envparity RSS / input | (RSS − empty diff) / input "
          "| json_patch::diff | deepdiff | jq -S + diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = "–" if r["ratio"] is None else f"{r['ratio']:.2f}x"
        rss_x = "–" if not r["env"]["rss"] else f"{r['env']['rss'] * 1024 / r['size']:.1f}x"
        above = ("–" if not r["env"]["rss"]
                 else f"{(r['env']['rss'] - base_rss) * 1024 / r['size']:.1f}x")
        print(f"| {r['name']} | {r['size'] / 1e6:.1f} MB "
              f"| {fmt_wall(r['env'])} ({fmt_cpu(r['env'])}), {fmt_rss(r['env'])}, {r['findings']} findings "
              f"| {fmt_wall(r['floor'])}, {fmt_rss(r['floor'])} "
              f"| {fmt_wall(r['scan'])}, {fmt_rss(r['scan'])} | {ratio} | {rss_x} | {above} "
              f"| {fmt_wall(r['jpatch'])}, {fmt_rss(r['jpatch'])}, {peer_count(r['jpatch'], True)} ops "
              f"| {fmt_wall(r['deepdiff'])}, {fmt_rss(r['deepdiff'])}, {peer_count(r['deepdiff'], True)} changes "
              f"| {fmt_wall(r['jq'])}, {fmt_rss(r['jq'])}, {peer_count(r['jq'], False)} lines |")

    print()
    print(f"A diff of two empty snapshots peaks at {fmt_rss(base)} (the process itself).")
    print()
    print("Targets:")
    by = {r["name"]: r for r in rows}
    for r in rows:
        if r["ratio"] is not None:
            verdict = "MET" if r["ratio"] <= 1.0 else ("within 1.2x" if r["ratio"] <= 1.2 else "MISSED")
            print(f"- envparity <= 1.0x the `Value` parse floor on {r['name']}: "
                  f"{r['ratio']:.2f}x {verdict}")
    keyed = [by[n] for n in ("keyed-10k", "keyed-100k", "keyed-1m") if n in by]
    if keyed:
        per = []
        for r, n in zip(keyed, (10_000, 100_000, 1_000_000)):
            if isinstance(r["env"]["wall"], float):
                per.append(f"{r['name']} {r['env']['wall'] / n * 1e6:.2f} µs and "
                           f"{r['env']['rss'] * 1024 / n:.0f} bytes/entry")
        print("- keyed time and memory per entry (linear when flat): " + ", ".join(per))
    for r in rows:
        if r["env"]["rss"]:
            x = r["env"]["rss"] * 1024 / r["size"]
            y = (r["env"]["rss"] - base_rss) * 1024 / r["size"]
            print(f"- peak RSS / input on {r['name']}: {x:.2f}x {'MET' if x <= 3 else 'MISSED'} (<= 3x); "
                  f"above the empty diff's: {y:.2f}x")
    for label, good, detail in checks:
        print(f"- {label}: {'OK' if good else 'FAILED'} ({detail})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
