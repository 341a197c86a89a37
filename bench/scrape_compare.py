#!/usr/bin/env python3
"""Whole-process scrape benchmark (see bench/scrape_compare.sh for the entry point).

Runs, in one session and on the same synthetic targets and receiver:
  single:  river-agent, Prometheus agent mode, vmagent (one instance each)
  cluster: three river-agent nodes with clustering vs three Prometheus agents sharded by hashmod
Each trial: start the agent(s) pinned to CPU 1, warm up, measure CPU seconds (utime+stime from
/proc/PID/stat) over the window, peak RSS (VmHWM) and samples/s appended by the receiver
(a real Prometheus with the remote-write receiver, pinned to CPU 0 with the targets), and check
at the receiver that every target was scraped, by exactly one instance. Medians of the repeats.
"""
import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECEIVER = "127.0.0.1:19090"
MARK_BEGIN = "<!-- scrape_compare:begin -->"
MARK_END = "<!-- scrape_compare:end -->"


def synth_script():
    if os.environ.get("SYNTH_TARGETS"):
        return os.environ["SYNTH_TARGETS"]
    for rel in ("../shared/tools/synth_targets.py", "../../shared/tools/synth_targets.py"):
        p = os.path.normpath(os.path.join(ROOT, rel))
        if os.path.exists(p):
            return p
    sys.exit("synth_targets.py not found (set SYNTH_TARGETS)")


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def query(q, at=None):
    params = {"query": q}
    if at is not None:
        params["time"] = f"{at:.3f}"
    d = json.loads(get(f"http://{RECEIVER}/api/v1/query?" + urllib.parse.urlencode(params), 30))
    if d.get("status") != "success":
        raise RuntimeError(f"query {q}: {d}")
    return d["data"]["result"]


def appended():
    total = 0.0
    for line in get(f"http://{RECEIVER}/metrics").splitlines():
        if line.startswith("prometheus_tsdb_head_samples_appended_total"):
            total += float(line.rsplit(" ", 1)[1])
    return total


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def wait_http(url, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            get(url, 2)
            return True
        except Exception:
            time.sleep(0.3)
    return False


def port_free(addr):
    import socket
    host, port = addr.rsplit(":", 1)
    with socket.socket() as s:
        return s.connect_ex((host, int(port))) != 0


def spawn(cmd, log, cpu, cwd=None):
    return subprocess.Popen(["taskset", "-c", str(cpu)] + cmd, stdout=open(log, "w"),
                            stderr=subprocess.STDOUT, cwd=cwd)


def stop(procs, timeout=40):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    end = time.time() + timeout
    for p in procs:
        try:
            p.wait(max(0.1, end - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# --- agents ----------------------------------------------------------------------------------

def river_config(addrs, label, node=None):
    targets = ", ".join(f'{{"__address__" = "{a}", "synth" = "1"}}' for a in addrs)
    ext = f'agent = "{label}"' + (f', node = "{node}"' if node else "")
    cluster = "\n  clustering {\n    enabled = true\n  }" if node else ""
    return f"""prometheus.scrape "synth" {{
  targets = [{targets}]
  forward_to = [prometheus.remote_write.out.receiver]
  job_name = "synth"
  scrape_interval = "5s"
  scrape_timeout = "4s"{cluster}
}}

prometheus.remote_write "out" {{
  external_labels = {{ {ext} }}
  endpoint {{
    url = "http://{RECEIVER}/api/v1/write"
  }}
}}
"""


def start_river(args, work, addrs, label, nodes):
    procs = []
    names = ["a", "b", "c"][:nodes] if nodes > 1 else [None]
    first = None
    for i, node in enumerate(names):
        d = os.path.join(work, f"{label}-{node or 'single'}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.river"), "w") as f:
            f.write(river_config(addrs, label, node))
        addr = f"127.0.0.1:{19345 + i}"
        if not port_free(addr):
            raise RuntimeError(f"{addr} is in use")
        cmd = [args.agent_bin, "run", "config.river", f"--server.http.listen-addr={addr}",
               "--storage.path=data"]
        if node:
            first = first or addr
            cmd += ["--cluster.enabled", f"--cluster.node-name={node}",
                    f"--cluster.advertise-address={addr}", f"--cluster.join-addresses={first}"]
        procs.append(spawn(cmd, os.path.join(d, "agent.log"), 1, cwd=d))
        wait_http(f"http://{addr}/-/ready")
    return procs


def prom_config(sd_file, label, shard=None, shards=None):
    ext = {"agent": label}
    relabel = ""
    if shard is not None:
        ext["node"] = f"p{shard}"
        relabel = f"""
    relabel_configs:
      - source_labels: [__address__]
        modulus: {shards}
        target_label: __tmp_hash
        action: hashmod
      - source_labels: [__tmp_hash]
        regex: "{shard}"
        action: keep"""
    return f"""global:
  scrape_interval: 5s
  scrape_timeout: 4s
  external_labels: {json.dumps(ext)}
scrape_configs:
  - job_name: synth
    file_sd_configs:
      - files: ["{sd_file}"]{relabel}
remote_write:
  - url: http://{RECEIVER}/api/v1/write
"""


def start_prom_agents(args, work, sd_file, label, nodes):
    procs = []
    for i in range(nodes):
        d = os.path.join(work, f"{label}-{i}")
        os.makedirs(d, exist_ok=True)
        cfg = os.path.join(d, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(prom_config(sd_file, label, i if nodes > 1 else None, nodes))
        addr = f"127.0.0.1:{19390 + i}"
        procs.append(spawn(["prometheus", "--enable-feature=agent", f"--config.file={cfg}",
                            f"--storage.agent.path={d}/data", f"--web.listen-address={addr}"],
                           os.path.join(d, "prometheus.log"), 1))
        wait_http(f"http://{addr}/-/ready")
    return procs


def start_vmagent(args, work, sd_file, label, nodes):
    d = os.path.join(work, label)
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "scrape.yml")
    with open(cfg, "w") as f:
        f.write(f"""global:
  scrape_interval: 5s
  scrape_timeout: 4s
scrape_configs:
  - job_name: synth
    file_sd_configs:
      - files: ["{sd_file}"]
""")
    addr = "127.0.0.1:19429"
    p = spawn(["vmagent", f"-promscrape.config={cfg}", f"-remoteWrite.url=http://{RECEIVER}/api/v1/write",
               f"-remoteWrite.tmpDataPath={d}/data", f"-httpListenAddr={addr}",
               f"-remoteWrite.label=agent={label}"], os.path.join(d, "vmagent.log"), 1)
    wait_http(f"http://{addr}/health")
    return [p]


# --- trials ----------------------------------------------------------------------------------

def trial(args, work, kind, label, nodes, starter, n_targets, sd_file, addrs):
    if kind == "river":
        procs = start_river(args, work, addrs, label, nodes)
    else:
        procs = starter(args, work, sd_file, label, nodes)
    try:
        time.sleep(args.warmup)
        dead = [p for p in procs if p.poll() is not None]
        if dead:
            raise RuntimeError(f"{label}: a process exited early (see its log under {work})")
        pids = [p.pid for p in procs]
        c0 = sum(cpu_seconds(p) for p in pids)
        a0, t0 = appended(), time.time()
        time.sleep(args.measure)
        c1 = sum(cpu_seconds(p) for p in pids)
        a1, t1 = appended(), time.time()
        rss = [peak_rss(p) for p in pids]
        # Coverage in the last 30 s of the window: targets seen, and scrapers per target.
        at = t1 - 2
        per = query(f'count by (instance) (count by (instance, node) '
                    f'(count_over_time(up{{agent="{label}"}}[30s])))', at)
        seen = len(per)
        multi = sum(1 for r in per if float(r["value"][1]) > 1)
        up = query(f'count(max_over_time(up{{agent="{label}"}}[30s]) == 1)', at)
        up_n = int(float(up[0]["value"][1])) if up else 0
    finally:
        stop(procs)
    return {
        "cpu": c1 - c0,
        "rss_sum": sum(rss),
        "rss_max": max(rss),
        "rate": (a1 - a0) / (t1 - t0),
        "seen": seen,
        "multi": multi,
        "up": up_n,
    }


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_mib(b):
    return f"{b / (1 << 20):.0f} MiB"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agent-bin", required=True)
    ap.add_argument("--targets", type=int, default=1000)
    ap.add_argument("--series", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=float, default=20)
    ap.add_argument("--measure", type=float, default=60)
    ap.add_argument("--skip-cluster", action="store_true")
    ap.add_argument("--only", default="",
                    help="comma-separated subset of: river,prometheus,vmagent,river-cluster,prometheus-cluster")
    ap.add_argument("--no-docs", action="store_true")
    args = ap.parse_args()
    args.agent_bin = os.path.abspath(args.agent_bin)

    work = tempfile.mkdtemp(prefix="scrape_compare-")
    sd_file = os.path.join(work, "targets.json")
    for addr in [RECEIVER, "127.0.0.1:20000", "127.0.0.1:19345", "127.0.0.1:19390", "127.0.0.1:19429"]:
        if not port_free(addr):
            sys.exit(f"{addr} is in use: stop what listens there first")
    synth = spawn(["python3", synth_script(), "--targets", str(args.targets), "--series", str(args.series),
                   "--base-port", "20000", "--sd-file", sd_file], os.path.join(work, "synth.log"), 0)
    for _ in range(300):
        if os.path.exists(sd_file):
            break
        time.sleep(0.2)
    addrs = json.load(open(sd_file))[0]["targets"]
    os.makedirs(os.path.join(work, "receiver"), exist_ok=True)
    with open(os.path.join(work, "receiver", "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1m\n")
    recv = spawn(["prometheus", f"--config.file={work}/receiver/prometheus.yml",
                  f"--storage.tsdb.path={work}/receiver/tsdb", f"--web.listen-address={RECEIVER}",
                  "--web.enable-remote-write-receiver", "--log.level=warn"],
                 os.path.join(work, "receiver.log"), 0)
    wait_http(f"http://{RECEIVER}/-/ready")

    single = [("river-agent", "river", 1, None),
              ("Prometheus agent mode", "prometheus", 1, start_prom_agents),
              ("vmagent", "vmagent", 1, start_vmagent)]
    cluster = [] if args.skip_cluster else [
        ("river-agent ×3, clustering", "river", 3, None),
        ("Prometheus agent ×3, hashmod", "prometheus", 3, start_prom_agents)]
    if args.only:
        keep = set(args.only.split(","))
        single = [s for s in single if s[1] in keep]
        cluster = [c for c in cluster if f"{c[1]}-cluster" in keep]

    results = {}
    try:
        for rep in range(args.repeats):
            for name, kind, nodes, starter in single + cluster:
                label = f"{kind}{nodes}"
                print(f"[{rep + 1}/{args.repeats}] {name} ...", flush=True)
                r = trial(args, work, kind, label, nodes, starter, args.targets, sd_file, addrs)
                print(f"    cpu={r['cpu']:.2f}s rss_sum={fmt_mib(r['rss_sum'])} rate={r['rate']:.0f}/s "
                      f"targets_seen={r['seen']} multiply_scraped={r['multi']} up={r['up']}", flush=True)
                results.setdefault(name, []).append(r)
                time.sleep(3)
    finally:
        stop([recv, synth])

    def row(name, rs):
        return {
            "name": name,
            "cpu": median([r["cpu"] for r in rs]),
            "rss": median([r["rss_sum"] for r in rs]),
            "rss_max": median([r["rss_max"] for r in rs]),
            "rate": median([r["rate"] for r in rs]),
            "seen": min(r["seen"] for r in rs),
            "multi": max(r["multi"] for r in rs),
        }

    rows = [row(n, results[n]) for n, *_ in single + cluster if n in results]
    base = {r["name"]: r for r in rows}
    cpu_model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = (f"Run {when}: {args.targets} targets × {args.series} series at 5 s, warm-up {args.warmup:.0f} s, "
            f"window {args.measure:.0f} s, median of {args.repeats}; {os.cpu_count()} CPUs ({cpu_model}); "
            f"agent(s) on CPU 1, targets and receiver on CPU 0.")
    lines = [head, "",
             "| agent | CPU seconds | CPU vs river-agent | peak RSS (sum) | samples/s delivered | targets scraped | scraped by >1 |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        ref = base.get("river-agent ×3, clustering" if "×3" in r["name"] else "river-agent")
        ratio = f"{r['cpu'] / ref['cpu']:.2f}×" if ref and ref["cpu"] > 0 else "-"
        lines.append(f"| {r['name']} | {r['cpu']:.2f} | {ratio} | {fmt_mib(r['rss'])} | {r['rate']:,.0f} | "
                     f"{r['seen']} / {args.targets} | {r['multi']} |")
    table = "\n".join(lines)
    print()
    print(table)
    print(f"\nlogs and data: {work}")

    if not args.no_docs:
        path = os.path.join(ROOT, "docs", "benchmarks.md")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
        intro = ("## Scraping and remote write: whole process\n\n"
                 "Produced by `bench/scrape_compare.sh` (method in `spec/peers.md`): synthetic targets "
                 "(`synth_targets.py`), a real Prometheus as remote-write receiver, each agent alone on "
                 "one CPU. CPU seconds are for the measurement window; peak RSS is `VmHWM` summed over "
                 "the instances; samples/s are appended by the receiver. One shared 2-core machine: "
                 "figures are indicative, compare rows of the same run.\n\n"
                 "Where river-agent's resources go (heaptrack and `VmHWM`, same load): a scraped series "
                 "costs about 0.2 KB in the per-target series cache — its label set as one compact buffer "
                 "(`prom::Labels`, ~100 bytes here) plus the raw series text and a 32-byte entry; before "
                 "the compact buffer it was about 0.9 KB. The other large part is per target, not per "
                 "series: hyper keeps about 27 KB per idle keep-alive connection (request buffer, read "
                 "buffer, dispatch channel). CPU is spread over gzip inflate, snappy (WAL records and "
                 "requests), parsing and the HTTP client.\n")
        if MARK_BEGIN in text and MARK_END in text:
            pre, rest = text.split(MARK_BEGIN, 1)
            old, post = rest.split(MARK_END, 1)
            old_runs = old.split("\n\nRun ", 1)
            prev = ("\n\nRun " + old_runs[1]).rstrip() if len(old_runs) > 1 else ""
            text = f"{pre}{MARK_BEGIN}\n{intro}\n{table}{prev}\n{MARK_END}{post}"
        else:
            text = text.rstrip() + f"\n\n{MARK_BEGIN}\n{intro}\n{table}\n{MARK_END}\n"
        with open(path, "w") as f:
            f.write(text)
        print(f"appended to {path}")


if __name__ == "__main__":
    main()
