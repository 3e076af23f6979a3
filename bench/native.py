#!/usr/bin/env python3
"""Driver of the native benchmark (called by bench/run.sh): for each network and phase, `--pairs`
rounds, each an interleaved pair (candle run, then PyTorch run) per thread count, each side in
its own process so that the process's max RSS (os.wait4, the figure `/usr/bin/time -f %M`
prints) is that one training or evaluation's peak memory. Writes into --out:

  runs.jsonl     one JSON record per timed run, both sides (see bench.rs for the fields), plus
                 pair, max_rss_kb (from wait4), cmd and log
  logs/*.out     stdout of each command (the records as printed), logs/*.err its stderr
  meta.json      git commit, date, CPU model, load average at start and end, versions, settings

Python 3 standard library only.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time

MODELS = ["mlp-784-256-128-10", "mlp-784-512-512-10", "lenet"]


def load_average():
    return [float(v) for v in open("/proc/loadavg").read().split()[:3]]


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def candle_version(root):
    m = re.search(r'name = "candle-core"\nversion = "([^"]+)"', open(os.path.join(root, "Cargo.lock")).read())
    return m.group(1) if m else "unknown"


def run_one(cmd, env, log_base):
    """Runs cmd, returning (records printed on stdout, max RSS in KiB, exit status)."""
    with open(log_base + ".out", "w") as out, open(log_base + ".err", "w") as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
    records = []
    for line in open(log_base + ".out"):
        line = line.strip()
        if line.startswith("{"):
            records.append(json.loads(line))
    return records, usage.ru_maxrss, p.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--data", required=True, help="folder holding mnist/")
    ap.add_argument("--mpg", default="target/release/mpg")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    ap.add_argument("--phases", nargs="+", default=["train", "eval"], choices=["train", "eval"])
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--runs", type=int, default=1, help="timed runs per process")
    ap.add_argument("--warmup", type=int, default=1, help="untimed warm-up runs per process")
    ap.add_argument("--mlp-steps", type=int, default=300)
    ap.add_argument("--cnn-steps", type=int, default=60)
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(os.path.join(a.out, "logs"), exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True, text=True).stdout.strip()
    meta = {
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit, "dirty": bool(dirty), "cpu_model": cpu_model(), "cpus": os.cpu_count(),
        "kernel": platform.release(), "candle_core": candle_version(root), "load_start": load_average(),
        "settings": {k: v for k, v in vars(a).items() if k not in ("out",)},
    }
    common = ["--runs", str(a.runs), "--warmup", str(a.warmup), "--mlp-steps", str(a.mlp_steps), "--cnn-steps", str(a.cnn_steps)]
    runs_path = os.path.join(a.out, "runs.jsonl")
    failures = 0
    with open(runs_path, "a") as runs:
        # Thread counts interleave inside each pair (1 thread, 2 threads, 1, 2, ...) so that the
        # 1- against 2-thread comparison sees the same drift of the VM's speed as each pair does.
        for model in a.models:
            for phase in a.phases:
                for pair in range(a.pairs):
                    for threads in a.threads:
                        for side in ("candle", "pytorch"):
                            env = dict(os.environ)
                            if side == "candle":
                                env["RAYON_NUM_THREADS"] = str(threads)
                                cmd = [a.mpg, "bench", "--data", a.data, "--model", model, "--phase", phase] + common
                            else:
                                cmd = [a.python, os.path.join(root, "bench", "pytorch_reference.py"), "--data",
                                       os.path.join(a.data, "mnist"), "--threads", str(threads), "--model", model,
                                       "--phase", phase] + common
                            name = f"t{threads}-{model}-{phase}-p{pair}-{side}"
                            log_base = os.path.join(a.out, "logs", name)
                            t = time.perf_counter()
                            records, max_rss, rc = run_one(cmd, env, log_base)
                            took = time.perf_counter() - t
                            if rc != 0 or not records:
                                failures += 1
                                print(f"FAILED ({rc}): {' '.join(cmd)}; see {log_base}.err", file=sys.stderr)
                                continue
                            for r in records:
                                r.update({"pair": pair, "max_rss_kb": max_rss, "cmd": cmd,
                                          "log": os.path.relpath(log_base + ".out", a.out)})
                                runs.write(json.dumps(r) + "\n")
                            runs.flush()
                            r = records[-1]
                            print(f"{name}: {r['images_per_wall_s']:.0f} img/s wall, {r['images_per_cpu_s']:.0f} per CPU-s, "
                                  f"max RSS {max_rss / 1024:.0f} MiB, load {r['load_before'][0]:.2f}->{r['load_after'][0]:.2f} "
                                  f"({took:.1f} s)", flush=True)
    meta["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    meta["load_end"] = load_average()
    meta["failures"] = failures
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
