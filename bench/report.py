#!/usr/bin/env python3
"""Turns one bench/run.sh result directory into the Markdown report (stdout).

    bench/report.py DIR                    the report of one run
    bench/report.py --compare DIR DIR...   headline figures of several runs side by side

S1: ratios say how many times better neo-events is than the peer on that figure (>1: neo
better), whichever direction "better" is for it (more messages/s, fewer bytes, lower latency).
neo-pb, neo-deflate and neo-tls (the same server; protobuf, permessage-deflate or wss
subscribers) are
variants of neo-events, not peers: their cells carry no ratio.
S2/S3: one row per run, and (×R) says how many times better that run is than nats-server
publishing in the same pattern (single vs nats single, batch vs nats batch; mosquitto and
nchan, one message per request, vs nats single).

Run names: S<n>-<target>[-<pattern>]-<size>, pattern single or batch (run.sh since issue 9);
older directories have no pattern in the name (neo and nats then published in batches).
"""
import glob
import json
import os
import re
import sys

REDIS_TOPOLOGIES = {"neo-redis": "neo-events, Redis engine",
                    "neo-redis-shards": "neo-events, Redis engine, 3 shards",
                    "neo-redis-cluster": "neo-events, Redis Cluster (3 masters)",
                    "neo-redis-sentinel": "neo-events, Redis Sentinel"}
TARGETS = ["neo", "neo-pb", "neo-deflate", "neo-tls", *REDIS_TOPOLOGIES, "nats", "mqtt", "nchan"]
NAMES = {"neo": "neo-events", "neo-pb": "neo-events (protobuf)",
         "neo-deflate": "neo-events (permessage-deflate)", "neo-tls": "neo-events (wss, TLS)",
         **REDIS_TOPOLOGIES,
         "nats": "nats-server (WS)", "mqtt": "mosquitto (MQTT/WS)", "nchan": "nginx+nchan"}
# Variants of neo-events (subscribers' wire format): compared with nats in S2/S3, not with neo.
NEO_VARIANTS = {"neo-pb", "neo-deflate", "neo-tls"}
# One message per protocol request whatever the pattern: shown with (and compared like) single.
PER_MESSAGE = {"mqtt", "nchan"}
PATTERNS = ["single", "batch"]
RUN_NAME = re.compile(r"^(S[1-3])-(" + "|".join(sorted(TARGETS, key=len, reverse=True)) +
                      r")(?:-(single|batch))?-(\d+)$")


def parse_name(name, run=None):
    """(scenario, target, pattern, size) of an S1-S3 run name, or None.

    pattern: "single" or "batch" as named; for names without one (older result directories,
    mosquitto, nchan) what the run's header says: one publication per request is "single"."""
    m = RUN_NAME.match(name)
    if not m:
        return None
    scen, target, pattern, size = m.group(1), m.group(2), m.group(3), int(m.group(4))
    if pattern is None and scen != "S1":
        header = (run or {}).get("run", {})
        single = target in PER_MESSAGE or header.get("neo_single") or header.get("batch") == 1
        pattern = "single" if single else "batch"
    return scen, target, pattern, size


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
    if run.get("run", {}).get("ws_deflate") and not run.get("compression", {}).get("messages"):
        found.append(f"{name}: permessage-deflate offered, but no message came compressed")
    return found


def cell(value, neo_value, text, higher_better, target):
    if value is None:
        return "n/a"
    if target == "neo" or target in NEO_VARIANTS or neo_value in (None, 0) or value == 0:
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


def in_flight(step):
    """'max / limit' requests in flight over the publisher's connections (n/a: older results)."""
    if "max_in_flight" not in step:
        return "n/a"
    return f"{step['max_in_flight']} / {step['in_flight_limit']}"


def stop_reason(run, step):
    if step["reason"].startswith("publisher could not reach the rate") and "ack_p99_us" in step:
        full = step["max_in_flight"] >= step["in_flight_limit"]
        return (f"{step['reason']}: request acks p50 {micros(step['ack_p50_us'])}, p99 {micros(step['ack_p99_us'])}"
                + (f", all {step['in_flight_limit']} requests in flight waiting" if full else
                   f", at most {step['max_in_flight']} of {step['in_flight_limit']} requests in flight"))
    if step["reason"] != "loss":
        return step["reason"]
    gone = never_delivered(run, step)
    if gone == 0:
        return f"late: {step['loss']} deliveries arrived after the drain window, none lost"
    return f"loss ({step['loss']} missing after the drain window, {gone if gone is not None else '?'} never arrived)"


def first_failure(run):
    return next((s for s in run.get("steps", []) if s["kind"] == "ramp" and not s["pass"]), None)


S4_LABELS = {
    "S4-neo-single-pipelined": "neo-events /api/publish, one per request, 8 conns × 64 pipelined",
    "S4-neo-single": "neo-events /api/publish, one per request, 4 conns × 1 in flight",
    "S4-neo-batch": "neo-events /api/batch, 100 per batch, history off",
    "S4-neo-batch-history": "neo-events /api/batch, 100 per batch, history on (100 per channel)",
    **{f"S4-{t}-single-pipelined": f"{name}: /api/publish, one per request, 8 conns × 64 pipelined"
       for t, name in REDIS_TOPOLOGIES.items()},
    **{f"S4-{t}-batch": f"{name}: /api/batch, 100 per batch, history off"
       for t, name in REDIS_TOPOLOGIES.items()},
    "S4-nats-pub-single": "reference: nats-server one PUB + PING each over TCP, 8 conns × 64 pipelined",
    "S4-nats-pub": "reference: nats-server PUB over TCP, PING every 100",
}


def ratio_text(value, reference, higher_better):
    """(×R): how many times better value is than reference; "" when there is nothing to compare."""
    if value is None or reference in (None, 0) or value == 0 or value != value or reference != reference:
        return ""
    return f" (×{(value / reference if higher_better else reference / value):.2f})"


def publishing(target, run):
    """How a run published, from its header: pattern, request shape, connections x in flight."""
    h = run.get("run", {})
    conns, pipe, batch = h.get("publisher_connections", "?"), h.get("pipeline", "?"), h.get("batch", "?")
    if target == "mqtt":
        what = f"QoS 1 PUBLISH (runs of ≤{batch})"
    elif target == "nchan":
        what = "POST /pub/&lt;ch&gt;"
    elif target == "nats":
        what = "PUB + PING" if batch == 1 else f"≤{batch} PUB + PING"
    else:
        what = "/api/publish" if batch == 1 or h.get("neo_single") else f"/api/batch ≤{batch}"
    return f"{what}, {conns} conns × {pipe} in flight"


def compression_notes(members, runs):
    """What permessage-deflate made of the messages, for the runs that had it."""
    notes = []
    for k in sorted(members):
        c = runs[k].get("compression", {})
        if runs[k].get("run", {}).get("ws_deflate") and c.get("messages"):
            notes.append(f"{k}: {human(c['messages'])} messages came compressed, "
                         f"{c['wire_bytes'] / c['messages']:.0f} bytes each on the wire for "
                         f"{c['inflated_bytes'] / c['messages']:.0f} inflated (average)")
    return notes


def fanout_table(members, runs):
    """One row per run of one scenario and size: members maps run name -> (target, pattern)."""
    order = {t: i for i, t in enumerate(TARGETS)}
    # single first (mosquitto and nchan with it), neo-redis beside neo, nats after them
    names = sorted(members, key=lambda k: (PATTERNS.index(members[k][1]), order[members[k][0]]))
    peaks = {k: peak_step(runs[k]) for k in names}
    halves = {k: next((s for s in runs[k].get("steps", []) if s["kind"] == "half_peak"), None) for k in names}
    nats = {members[k][1]: k for k in names if members[k][0] == "nats"}
    # The same load for everyone: the highest rate every run of this size passed (runs that
    # passed no step at all are left out of this comparison).
    passed = [{s["target_rate"] for s in runs[k].get("steps", []) if s["pass"] and s["kind"] == "ramp"}
              for k in names]
    passed = [p for p in passed if p]
    shared = set.intersection(*passed) if passed else set()
    common = max(shared) if shared else None

    def at_common(k):
        return next((s for s in runs[k].get("steps", []) if s["kind"] == "ramp" and s["pass"]
                     and s["target_rate"] == common), None) if common else None

    def ref(k, get):
        """The figure of nats publishing in k's pattern."""
        other = nats.get(members[k][1])
        if other is None or members[k][0] == "nats":
            return None
        return get(other)

    def lat3(step, ratio=""):
        if not step:
            return "n/a"
        return f"{micros(step['p50_us'])} / {micros(step['p99_us'])}{ratio} / {micros(step['max_us'])}"

    cols = ["target", "publishing", "peak delivered/s, no loss", "pub/s at peak",
            "p50 / p99 / max at peak", "half peak pub/s", "p50 / p99 / max at half peak",
            "server cores at peak", "server CPU per delivery at peak", "loadgen cores at peak"]
    if common:
        cols += [f"server CPU per delivery at {human(common)} pub/s (all passed)",
                 f"p99 at {human(common)} pub/s (all passed)"]
    cols.append("what stopped the ramp")
    rows = []
    for k in names:
        target, _ = members[k]
        p, h, c = peaks[k], halves[k], at_common(k)
        pk = lambda key: (lambda o: (peaks[o] or {}).get(key))
        row = [NAMES[target], publishing(target, runs[k])]
        if p:
            row += [human(p["delivered_per_s"]) + ratio_text(p["delivered_per_s"], ref(k, pk("delivered_per_s")), True),
                    human(p["target_rate"]), lat3(p),
                    ]
        else:
            row += ["none passed", "n/a", "n/a"]
        half_p99 = ref(k, lambda o: (halves[o] or {}).get("p99_us"))
        row += [(human(h["target_rate"]) + ("" if h["pass"] else f" (this step failed: {h['reason']})")) if h else "n/a",
                lat3(h, ratio_text(h["p99_us"], half_p99, False) if h else "")]
        if p:
            row += [f"{p['server_cpu_cores']:.2f}",
                    f"{p['server_cpu_ns_per_delivery']:.0f} ns" +
                    ratio_text(p["server_cpu_ns_per_delivery"], ref(k, pk("server_cpu_ns_per_delivery")), False),
                    f"{p['loadgen_cpu_cores']:.2f}"]
        else:
            row += ["n/a"] * 3
        if common:
            row += [f"{c['server_cpu_ns_per_delivery']:.0f} ns" +
                    ratio_text(c["server_cpu_ns_per_delivery"],
                               ref(k, lambda o: (at_common(o) or {}).get("server_cpu_ns_per_delivery")), False)
                    if c else "n/a",
                    micros(c["p99_us"]) + ratio_text(c["p99_us"], ref(k, lambda o: (at_common(o) or {}).get("p99_us")), False)
                    if c else "n/a"]
        stop = first_failure(runs[k])
        row.append(f"{human(stop['target_rate'])}/s: {stop_reason(runs[k], stop)}" if stop else "never failed")
        rows.append(row)
    return table(cols, rows)


def main():
    out = sys.argv[1]
    runs = load(out)
    with open(os.path.join(out, "machine.json")) as f:
        machine = json.load(f)
    parsed = {n: parse_name(n, v if "broken" not in v else None) for n, v in runs.items()}
    parsed = {n: p for n, p in parsed.items() if p}
    targets = [t for t in TARGETS if any(p[1] == t for p in parsed.values() if p[0] == "S1")]
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
    if "redis-server" in machine:
        print(f"redis-server (target neo-redis): {machine['redis-server']}.")
        print()
    print("S1: cells of peers show (×R): how many times better neo-events is on that figure "
          "(R > 1: neo-events better, R < 1: the peer is better).  ")
    print("S2/S3: one row per run; (×R): how many times better that run is than nats-server "
          "publishing in the same pattern (single vs nats single, batch vs nats batch; "
          "mosquitto and nchan, one message per request, vs nats single). R > 1: better than nats.  ")
    print("Patterns: **single** = one publication per request, as services publish "
          "(neo-events `POST /api/publish`, nats one `PUB` + `PING`), many requests pipelined "
          "per keep-alive connection; **batch** = neo-events `POST /api/batch` of up to 100, "
          "nats runs of up to 100 `PUB`s closed by one `PING`. "
          "neo-events, Redis engine: server CPU includes its redis-server's.  ")
    print("neo-events (protobuf) and (permessage-deflate): the same server and publishers as "
          "neo-events, subscribers in the protobuf client protocol, or in JSON with every "
          "message compressed (level 1, no context takeover).")

    sizes = sorted({p[3] for p in parsed.values() if p[0] == "S1"})
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
        fanout = {n: p for n, p in parsed.items() if p[0] == scen and "broken" not in runs[n]}
        sizes = sorted({p[3] for p in fanout.values()})
        if not sizes:
            continue
        print(f"\n## {title}\n")
        for n in sizes:
            print(f"### {n} subscribers\n")
            members = {name: (p[1], p[2]) for name, p in fanout.items() if p[3] == n}
            print(fanout_table(members, runs))
            print()
            for note in compression_notes(members, runs):
                print(f"- {note}")

    s4 = {n: v for n, v in runs.items() if n.startswith("S4-") and "broken" not in v}
    if s4:
        print("\n## S4 publish API (no subscribers)\n")
        order = list(S4_LABELS)
        rows = [[S4_LABELS.get(n, n), human(v["per_second"]), f"{v['server_cpu_cores']:.2f}",
                 f"{v['loadgen_cpu_cores']:.2f}", v["failed"]]
                for n, v in sorted(s4.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]))]
        print(table(["variant", "publications/s", "server CPU (cores)", "loadgen CPU (cores)", "failed"], rows))

    print("\n## Steps (every rate step of S2/S3)\n")
    rows = []
    for n, v in sorted(runs.items()):
        for s in v.get("steps", []):
            rows.append([n, s["kind"], human(s["target_rate"]), human(s["achieved_rate"]),
                         human(s["delivered_per_s"]), s["loss"], never_delivered(v, s), micros(s["p50_us"]), micros(s["p99_us"]),
                         micros(s["max_us"]), micros(s["ack_p99_us"]) if "ack_p99_us" in s else "n/a", in_flight(s),
                         f"{s['server_cpu_cores']:.2f}", f"{s['loadgen_cpu_cores']:.2f}",
                         "ok" if s["pass"] else s["reason"]])
    print("`late+lost` = missing when the step's drain window ended; `lost` = still missing when "
          "the run ended (never delivered). `ack p99`: from writing a publish request to its "
          "acknowledgement; `in flight`: most requests awaiting their answer at once / what the "
          "publisher's connections allow (when they are equal, the answers set the pace).\n")
    print(table(["run", "kind", "pub/s", "acked/s", "delivered/s", "late+lost", "lost", "p50", "p99", "max",
                 "ack p99", "in flight", "server cores", "loadgen cores", "result"], rows))

    problems = [p for n, v in sorted(runs.items()) for p in problems_of(n, v)]
    failures = os.path.join(out, "failures.txt")
    if os.path.exists(failures):
        problems += [f"loadgen exit status: {line.strip()}" for line in open(failures)]
    print("\n## Problems seen in this run\n")
    print("\n".join(f"- {p}" for p in problems) if problems else "- none: every subscriber "
          "subscribed, no errors, no failed publication.")


def compare(dirs):
    """Headline figures of several runs side by side: how much do they move between runs?"""
    def fanout(scen, size, pattern):
        # Since issue 9 the pattern is in the name; older directories: neo and nats batched,
        # mosquitto and nchan never had a pattern.
        def names(t):
            if t in PER_MESSAGE:
                return [f"{scen}-{t}-{size}"] if pattern == "single" else []
            return [f"{scen}-{t}-{pattern}-{size}"] + ([f"{scen}-{t}-{size}"] if pattern == "batch" else [])
        return names

    def first(runs, candidates):
        return next((runs[c] for c in candidates if c in runs and "broken" not in runs[c]), None)

    peak = lambda v: (peak_step(v) or {}).get("delivered_per_s")
    half_p99 = lambda v: next((s["p99_us"] for s in v.get("steps", []) if s["kind"] == "half_peak"), None)
    heads = [("S1 RSS/conn, 19000 (KiB)", lambda t: [f"S1-{t}-19000"], lambda v: v["rss_per_connection_bytes"] / 1024,
              lambda x: f"{x:.2f}"),
             ("S1 connect+subscribe/s, 19000", lambda t: [f"S1-{t}-19000"], lambda v: v["connect"]["per_second"], human)]
    for pattern in PATTERNS:
        for scen, size, what in (("S2", 1000, "S2 1000 subs"), ("S2", 10000, "S2 10000 subs"), ("S3", 10000, "S3")):
            heads.append((f"{what}, {pattern}: peak delivered/s", fanout(scen, size, pattern), peak, human))
            heads.append((f"{what}, {pattern}: p99 at half peak", fanout(scen, size, pattern), half_p99, micros))
    all_runs = [(os.path.basename(d.rstrip("/")), load(d)) for d in dirs]
    rows = []
    for label, names, get, fmt in heads:
        for t in TARGETS:
            vals = []
            for _, runs in all_runs:
                v = first(runs, names(t))
                x = get(v) if v else None
                vals.append("n/a" if x is None else fmt(x))
            if any(x != "n/a" for x in vals):
                rows.append([label, NAMES[t]] + vals)
    for variant in S4_LABELS:
        vals = [human(runs[variant]["per_second"]) if variant in runs and "broken" not in runs[variant] else "n/a"
                for _, runs in all_runs]
        if any(x != "n/a" for x in vals):
            rows.append([variant + " publications/s", "", *vals])
    print(table(["figure", "target"] + [name for name, _ in all_runs], rows))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--compare":
        compare(sys.argv[2:])
    else:
        main()
