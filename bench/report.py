#!/usr/bin/env python3
"""Turns one bench/run.sh result directory into the Markdown report (stdout).

    bench/report.py DIR                    the report of one run
    bench/report.py --compare DIR DIR...   headline figures of several runs side by side

Ratios say how many times better neo-events is than the peer on that figure (>1: neo better),
whichever direction "better" is for it (more messages/s, fewer bytes, lower latency).
"""
import glob
import json
import os
import sys

TARGETS = ["neo", "nats", "mqtt", "nchan"]
NAMES = {"neo": "neo-events", "nats": "nats-server (WS)", "mqtt": "mosquitto (MQTT/WS)",
         "nchan": "nginx+nchan"}


def human(v, unit=""):
    if v is None:
        return "n/a"
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:.3g}{suffix}{unit}"
    return f"{v:.3g}{unit}"


def micros(v):
    if v is None:
        return "n/a"
    return f"{v / 1000:.3g} ms" if v >= 1000 else f"{v:.3g} µs"


def load(out):
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, "S*.json"))):
        try:
            with open(path) as f:
                runs[os.path.basename(path)[:-5]] = json.load(f)
        except (OSError, ValueError) as e:
            runs[os.path.basename(path)[:-5]] = {"broken": str(e)}
    return runs


def problems_of(name, run):
    """Everything that makes a figure of this run less than trustworthy, in words."""
    found = []
    if "broken" in run:
        return [f"{name}: unreadable result ({run['broken']})"]
    connect = run.get("connect")
    if connect and connect["subscribed"] != connect["requested"]:
        found.append(f"{name}: only {connect['subscribed']} of {connect['requested']} "
                     f"subscribers subscribed ({connect['failed']} failed)")
    errors = run.get("subscriber_errors", {})
    counts = {k: v for k, v in errors.items() if k != "samples" and v}
    if counts:
        found.append(f"{name}: subscriber errors {counts}; e.g. {errors.get('samples', [])[:2]}")
    pub = run.get("publisher", {})
    if pub.get("errors") or pub.get("dead_connections") or pub.get("failed"):
        found.append(f"{name}: publisher failed={pub.get('failed')} errors={pub.get('errors')} "
                     f"dead_connections={pub.get('dead_connections')}; e.g. {pub.get('samples', [])[:2]}")
    if run.get("publisher_connected") is False:
        found.append(f"{name}: publisher could not connect")
    return found


def cell(value, neo_value, text, higher_better, target):
    if value is None:
        return "n/a"
    if target == "neo" or neo_value in (None, 0) or value == 0:
        return text
    ratio = neo_value / value if higher_better else value / neo_value
    return f"{text} (×{ratio:.2f})"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def metric_row(label, values, fmt, higher_better, targets):
    neo = values.get("neo")
    return [label] + [cell(values.get(t), neo, fmt(values.get(t)) if values.get(t) is not None
                           else "n/a", higher_better, t) for t in targets]


def peak_step(run):
    best = None
    for s in run.get("steps", []):
        if s["kind"] == "ramp" and s["pass"] and (best is None or s["delivered_per_s"] > best["delivered_per_s"]):
            best = s
    return best


def never_delivered(run, step):
    """Publications x subscribers still missing once the run stopped publishing (None: unknown)."""
    for f in run.get("final_count", []):
        if f["step"] == step["step"]:
            return max(0, f["expected"] - f["delivered_by_end"])
    return None


def stop_reason(run, step):
    if step["reason"] != "loss":
        return step["reason"]
    gone = never_delivered(run, step)
    if gone == 0:
        return f"late: {step['loss']} deliveries arrived after the drain window, none lost"
    return f"loss ({step['loss']} missing after the drain window, {gone if gone is not None else '?'} never arrived)"


def first_failure(run):
    return next((s for s in run.get("steps", []) if s["kind"] == "ramp" and not s["pass"]), None)


def main():
    out = sys.argv[1]
    runs = load(out)
    with open(os.path.join(out, "machine.json")) as f:
        machine = json.load(f)
    targets = [t for t in TARGETS if any(n.split("-")[1] == t for n in runs)]
    header = ["figure"] + [NAMES[t] for t in targets]
    print(f"# neo-events benchmark, {machine['date_utc']}"
          + (" (quick mode: small sizes, short steps)" if machine.get("quick") else ""))
    print()
    print(f"Machine: {machine['nproc']} cores, {machine['cpu']}, {machine['ram_gib']} GiB RAM, "
          f"kernel {machine['kernel']}, open files {machine['nofile']}, load average at start "
          f"{' '.join(machine['load_average_at_start'])}.  ")
    print(f"Versions: {machine['neo-events']} ({machine['neo-events commit']}), "
          f"{machine['nats-server']}, mosquitto {machine['mosquitto']}, {machine['nginx']}, "
          f"nchan {machine['nchan']}.")
    print()
    print("Cells of peers show (×R): how many times better neo-events is on that figure "
          "(R > 1: neo-events better, R < 1: the peer is better).")

    sizes = sorted({int(n.split("-")[2]) for n in runs if n.startswith("S1-")})
    if sizes:
        print("\n## S1 idle density (one channel per connection)\n")
        rows = []
        for n in sizes:
            r = {t: runs.get(f"S1-{t}-{n}") for t in targets}
            rss = {t: v["rss_per_connection_bytes"] / 1024 for t, v in r.items() if v and "broken" not in v}
            rate = {t: v["connect"]["per_second"] for t, v in r.items() if v and "broken" not in v}
            done = {t: v["connect"]["subscribed"] for t, v in r.items() if v and "broken" not in v}
            rows.append(metric_row(f"server RSS per connection, {n} conns (KiB)", rss,
                                   lambda v: f"{v:.2f}", False, targets))
            rows.append(metric_row(f"connect+subscribe per second, {n} conns", rate, human, True, targets))
            rows.append(["subscribed / requested"] + [f"{done.get(t, 'n/a')} / {n}" for t in targets])
        print(table(header, rows))

    for scen, title in (("S2", "S2 broadcast (all subscribers on one channel)"),
                        ("S3", "S3 tenant shape (10 subscribers per channel `tenant:{i}:deployments`, round-robin publishing)")):
        names = sorted({n for n in runs if n.startswith(scen + "-")}, key=lambda n: int(n.split("-")[2]))
        sizes = sorted({int(n.split("-")[2]) for n in names})
        if not sizes:
            continue
        print(f"\n## {title}\n")
        rows = []
        for n in sizes:
            r = {t: runs.get(f"{scen}-{t}-{n}") for t in targets}
            r = {t: v for t, v in r.items() if v and "broken" not in v}
            peaks = {t: peak_step(v) for t, v in r.items()}
            pick = lambda key: {t: p[key] for t, p in peaks.items() if p}
            rows.append(metric_row(f"{n} subs: peak delivered msg/s, no loss", pick("delivered_per_s"), human, True, targets))
            rows.append(metric_row(f"{n} subs: publications/s at that peak", pick("target_rate"), human, True, targets))
            rows.append(metric_row(f"{n} subs: p50 latency at peak", pick("p50_us"), micros, False, targets))
            rows.append(metric_row(f"{n} subs: p99 latency at peak", pick("p99_us"), micros, False, targets))
            rows.append(metric_row(f"{n} subs: max latency at peak", pick("max_us"), micros, False, targets))
            rows.append(metric_row(f"{n} subs: server CPU at peak (cores)", pick("server_cpu_cores"),
                                   lambda v: f"{v:.2f}", False, targets))
            rows.append(metric_row(f"{n} subs: server CPU per delivery at peak", pick("server_cpu_ns_per_delivery"),
                                   lambda v: f"{v:.0f} ns", False, targets))
            rows.append(metric_row(f"{n} subs: loadgen CPU at peak (cores)", pick("loadgen_cpu_cores"),
                                   lambda v: f"{v:.2f}", False, targets))
            # The same load for everyone: the highest rate every target passed.
            common = None
            # (targets that passed no step at all are left out of this comparison)
            passed = {t: {s["target_rate"] for s in v.get("steps", []) if s["pass"] and s["kind"] == "ramp"}
                      for t, v in r.items()}
            passed = {t: p for t, p in passed.items() if p}
            if passed:
                shared = set.intersection(*passed.values())
                common = max(shared) if shared else None
            if common:
                at = {t: next(s for s in r[t]["steps"] if s["target_rate"] == common and s["kind"] == "ramp")
                      for t in passed}
                rows.append(metric_row(f"{n} subs: server CPU per delivery at {human(common)} pub/s (all passed)",
                                       {t: s["server_cpu_ns_per_delivery"] for t, s in at.items()},
                                       lambda v: f"{v:.0f} ns", False, targets))
                rows.append(metric_row(f"{n} subs: p99 latency at {human(common)} pub/s (all passed)",
                                       {t: s["p99_us"] for t, s in at.items()}, micros, False, targets))
            halves = {t: next((s for s in v.get("steps", []) if s["kind"] == "half_peak"), None) for t, v in r.items()}
            if any(halves.values()):
                rows.append(metric_row(f"{n} subs: p99 latency at half the peak rate",
                                       {t: h["p99_us"] for t, h in halves.items() if h}, micros, False, targets))
            stops = {t: first_failure(v) for t, v in r.items()}
            rows.append([f"{n} subs: what stopped the ramp"] +
                        [(f"{human(stops[t]['target_rate'])}/s: {stop_reason(r[t], stops[t])}" if stops.get(t) else
                          ("never failed" if t in r else "n/a")) for t in targets])
        print(table(header, rows))

    s4 = {n: v for n, v in runs.items() if n.startswith("S4-") and "broken" not in v}
    if s4:
        print("\n## S4 publish API (no subscribers)\n")
        labels = {"S4-neo-batch": "neo-events /api/batch, 100 per batch, history off",
                  "S4-neo-batch-history": "neo-events /api/batch, 100 per batch, history on (100 per channel)",
                  "S4-neo-single": "neo-events /api/publish, one per request",
                  "S4-nats-pub": "reference: nats-server PUB over TCP, PING every 100"}
        rows = [[labels.get(n, n), human(v["per_second"]), f"{v['server_cpu_cores']:.2f}",
                 f"{v['loadgen_cpu_cores']:.2f}", v["failed"]] for n, v in sorted(s4.items())]
        print(table(["variant", "publications/s", "server CPU (cores)", "loadgen CPU (cores)", "failed"], rows))

    print("\n## Steps (every rate step of S2/S3)\n")
    rows = []
    for n, v in sorted(runs.items()):
        for s in v.get("steps", []):
            rows.append([n, s["kind"], human(s["target_rate"]), human(s["achieved_rate"]),
                         human(s["delivered_per_s"]), s["loss"], never_delivered(v, s), micros(s["p50_us"]), micros(s["p99_us"]),
                         micros(s["max_us"]), f"{s['server_cpu_cores']:.2f}", f"{s['loadgen_cpu_cores']:.2f}",
                         "ok" if s["pass"] else s["reason"]])
    print("`late+lost` = missing when the step's drain window ended; `lost` = still missing when "
          "the run ended (never delivered).\n")
    print(table(["run", "kind", "pub/s", "acked/s", "delivered/s", "late+lost", "lost", "p50", "p99", "max",
                 "server cores", "loadgen cores", "result"], rows))

    problems = [p for n, v in sorted(runs.items()) for p in problems_of(n, v)]
    failures = os.path.join(out, "failures.txt")
    if os.path.exists(failures):
        problems += [f"loadgen exit status: {line.strip()}" for line in open(failures)]
    print("\n## Problems seen in this run\n")
    print("\n".join(f"- {p}" for p in problems) if problems else "- none: every subscriber "
          "subscribed, no errors, no failed publication.")


def compare(dirs):
    """Headline figures of several runs side by side: how much do they move between runs?"""
    heads = [("S1 RSS/conn, 19000 (KiB)", "S1-{t}-19000", lambda v: v["rss_per_connection_bytes"] / 1024, "{:.2f}"),
             ("S1 connect+subscribe/s, 19000", "S1-{t}-19000", lambda v: v["connect"]["per_second"], None),
             ("S2 peak delivered/s, 1000 subs", "S2-{t}-1000", lambda v: (peak_step(v) or {}).get("delivered_per_s"), None),
             ("S2 peak delivered/s, 10000 subs", "S2-{t}-10000", lambda v: (peak_step(v) or {}).get("delivered_per_s"), None),
             ("S3 peak delivered/s", "S3-{t}-10000", lambda v: (peak_step(v) or {}).get("delivered_per_s"), None)]
    all_runs = [(os.path.basename(d.rstrip("/")), load(d)) for d in dirs]
    rows = []
    for label, pattern, get, fmt in heads:
        for t in TARGETS:
            vals = []
            for _, runs in all_runs:
                v = runs.get(pattern.format(t=t))
                x = get(v) if v and "broken" not in v else None
                vals.append("n/a" if x is None else (fmt.format(x) if fmt else human(x)))
            if any(x != "n/a" for x in vals):
                rows.append([label, NAMES[t]] + vals)
    for variant in ("S4-neo-batch", "S4-neo-batch-history", "S4-neo-single", "S4-nats-pub"):
        vals = [human(runs[variant]["per_second"]) if variant in runs and "broken" not in runs[variant] else "n/a"
                for _, runs in all_runs]
        rows.append([variant + " publications/s", "", *vals])
    print(table(["figure", "target"] + [name for name, _ in all_runs], rows))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--compare":
        compare(sys.argv[2:])
    else:
        main()
