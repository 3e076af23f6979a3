#!/usr/bin/env python3
"""Summarises a bench/results/<folder> into Markdown tables for BENCHMARKS.md (stdout):

- native (runs.jsonl, from bench/run.sh): per thread count, network and phase, the median over
  runs of each side's images per wall-second and per CPU-second, the ratio candle / PyTorch of
  each, the median max RSS of each side's process, and the implied arithmetic rate per
  CPU-second (a sanity check: a figure above the machine's peak means the run timed less work
  than it claims);
- browser (web.jsonl, from bench/web.sh): per network and phase, wasm images per second beside
  candle's native one-thread figure from the same web.sh run (web-native.jsonl; else runs.jsonl),
  and the wasm memory after loading the data and after the run (the peak).

    python3 bench/summarise.py bench/results/2026-11-26-abc1234

Python 3 standard library only.
"""
import json
import os
import statistics
import sys

NAMES = {
    "mlp-784-256-128-10": "MLP 784-256-128-10 (report's)",
    "mlp-784-512-512-10": "MLP 784-512-512-10",
    "lenet": "LeNet CNN",
}
ORDER = list(NAMES)
# Floating-point operations of one forward pass per image (a multiply-add counts 2).
FORWARD_FLOP = {
    "mlp-784-256-128-10": 2 * (784 * 256 + 256 * 128 + 128 * 10),
    "mlp-784-512-512-10": 2 * (784 * 512 + 512 * 512 + 512 * 10),
    # conv1 6x28x28 outputs x 25, conv2 16x10x10 x 150, fc 400-120-84-10
    "lenet": 2 * (6 * 28 * 28 * 25 + 16 * 10 * 10 * 150 + 400 * 120 + 120 * 84 + 84 * 10),
}
# Training: forward plus the two backward products, about 3x the forward work.
PHASE_FACTOR = {"train": 3, "eval": 1}


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip().startswith("{")]


def med(rows, key):
    v = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(v) if v else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def group(rows, *keys):
    out = {}
    for r in rows:
        out.setdefault(tuple(r.get(k) for k in keys), []).append(r)
    return out


def native_table(rows):
    lines = []
    g = group(rows, "threads", "model", "phase", "side")
    threads = sorted({r["threads"] for r in rows})
    lines.append(
        "| network | phase | threads | candle img/s | PyTorch img/s | candle / PyTorch (wall) "
        "| candle img per CPU-s | PyTorch img per CPU-s | candle / PyTorch (CPU) "
        "| candle max RSS (MiB) | PyTorch max RSS (MiB) | GFLOP per CPU-s candle / PyTorch | runs |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for t in threads:
        for model in ORDER:
            for phase in ("train", "eval"):
                c, p = g.get((t, model, phase, "candle"), []), g.get((t, model, phase, "pytorch"), [])
                if not c and not p:
                    continue
                cw, pw = med(c, "images_per_wall_s"), med(p, "images_per_wall_s")
                cc, pc = med(c, "images_per_cpu_s"), med(p, "images_per_cpu_s")
                cr, pr = med(c, "max_rss_kb"), med(p, "max_rss_kb")
                flop = FORWARD_FLOP[model] * PHASE_FACTOR[phase] / 1e9
                gf = f"{fmt(cc and cc * flop, 1)} / {fmt(pc and pc * flop, 1)}"
                label = "training" if phase == "train" else "noisy eval"
                lines.append(
                    f"| {NAMES[model]} | {label} | {t} | {fmt(cw)} | {fmt(pw)} | {ratio(cw, pw)} "
                    f"| {fmt(cc)} | {fmt(pc)} | {ratio(cc, pc)} "
                    f"| {fmt(cr and cr / 1024)} | {fmt(pr and pr / 1024)} | {gf} | {len(c)} + {len(p)} |"
                )
    return lines


def browser_table(web, native):
    lines = [
        "| network | phase | wasm img/s | native candle, 1 thread, img/s | wasm / native "
        "| wasm memory after data (MiB) | wasm memory peak (MiB) | runs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    gw = group(web, "model", "phase")
    gn = group([r for r in native if r.get("side") == "candle" and r.get("threads") == 1], "model", "phase")
    for model in ORDER:
        for phase in ("train", "eval"):
            w = gw.get((model, phase), [])
            if not w:
                continue
            ww, nw = med(w, "images_per_wall_s"), med(gn.get((model, phase), []), "images_per_wall_s")
            label = "training" if phase == "train" else "noisy eval"
            lines.append(
                f"| {NAMES[model]} | {label} | {fmt(ww)} | {fmt(nw)} | {ratio(ww, nw)} "
                f"| {fmt(med(w, 'wasm_memory_after_data_bytes') / 2**20, 1)} "
                f"| {fmt(med(w, 'wasm_memory_peak_bytes') / 2**20, 1)} | {len(w)} |"
            )
    return lines


def load_range(rows):
    v = [x for r in rows for x in (r.get("load_before", [None])[:1] + r.get("load_after", [None])[:1]) if x is not None]
    return f"{min(v):.2f}-{max(v):.2f}" if v else "-"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: summarise.py bench/results/<folder>")
    d = sys.argv[1]
    runs = [r for r in read_jsonl(os.path.join(d, "runs.jsonl")) if r.get("phase") in ("train", "eval")]
    web = read_jsonl(os.path.join(d, "web.jsonl"))
    web_native = read_jsonl(os.path.join(d, "web-native.jsonl"))
    if not runs and not web:
        sys.exit(f"no runs.jsonl or web.jsonl records in {d}")
    meta = {}
    if os.path.exists(os.path.join(d, "meta.json")):
        meta = json.load(open(os.path.join(d, "meta.json")))
    if runs:
        engines = sorted({r["engine"] for r in runs if r["side"] == "pytorch"})
        print(f"Native, `{os.path.basename(os.path.normpath(d))}`: {runs[0].get('cpu_model', '?')}, "
              f"commit {meta.get('commit', '?')[:10]}{' (dirty)' if meta.get('dirty') else ''}, "
              f"{meta.get('started', '?')} to {meta.get('finished', '?')}; candle {meta.get('candle_core', '?')}, "
              f"{', '.join(engines)}; load average (1 min) during the runs {load_range(runs)}. "
              "Medians over runs; each run is its own process after one untimed warm-up; "
              "test images normalised inside the timer on both sides.\n")
        print("\n".join(native_table(runs)))
        print()
    if web:
        native = web_native or runs
        source = "web-native.jsonl (same web.sh run)" if web_native else "runs.jsonl"
        agents = sorted({r.get("user_agent", "?") for r in web})
        print(f"Browser: wasm (+simd128) in a dedicated worker, headless {'; '.join(agents)}; "
              f"native figures from {source}; load average (1 min) {load_range(web + web_native)}. "
              "Each (network, phase) in a fresh browser, so the wasm memory after the run is its peak.\n")
        print("\n".join(browser_table(web, native)))


if __name__ == "__main__":
    main()
