#!/usr/bin/env bash
# The browser benchmark: crates/bench-web's wasm-bindgen tests (the engine's training and noisy
# evaluation, wasm with +simd128, in a dedicated worker of headless Chromium), one browser per
# (network, phase) so the wasm memory after the run is that benchmark's peak, each followed by
# candle's native one-thread run of the same work (`mpg bench`, RAYON_NUM_THREADS=1). Writes
# web.jsonl, web-native.jsonl and logs/web-* into the results folder (default
# bench/results/<UTC date>-<short commit>/, the one bench/run.sh writes; MPG_BENCH_OUT to
# choose), then prints the summary (python3 bench/summarise.py <folder>).
# Settings (build time for the wasm side): MPG_BENCH_MLP_STEPS (300), MPG_BENCH_CNN_STEPS (60),
# MPG_BENCH_RUNS (timed runs per test, 3), MPG_BENCH_WARMUP (1). Smoke run:
#   MPG_BENCH_MLP_STEPS=20 MPG_BENCH_CNN_STEPS=5 MPG_BENCH_RUNS=1 bash bench/web.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export MPG_DATA_DIR="${MPG_DATA_DIR:-$(cd .. && pwd)/shared/data}"
export MPG_BENCH_MNIST="${MPG_BENCH_MNIST:-$MPG_DATA_DIR/mnist}"
export MPG_BENCH_MLP_STEPS="${MPG_BENCH_MLP_STEPS:-300}" MPG_BENCH_CNN_STEPS="${MPG_BENCH_CNN_STEPS:-60}"
export MPG_BENCH_RUNS="${MPG_BENCH_RUNS:-3}" MPG_BENCH_WARMUP="${MPG_BENCH_WARMUP:-1}"
out="${MPG_BENCH_OUT:-bench/results/$(date -u +%Y-%m-%d)-$(git rev-parse --short HEAD)}"
# The wasm target, wasm-bindgen-cli 0.2.130 (its test runner) and Debian's Chromium + ChromeDriver.
MPG_BROWSER=1 source scripts/web-tools.sh
export CHROMEDRIVER=/usr/bin/chromedriver
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=600
# +simd128 comes from .cargo/config.toml, as for the app.
wasm_test=(cargo test --release --target wasm32-unknown-unknown -p bench-web --test browser)
nice cargo build --release -p mpg
nice "${wasm_test[@]}" --no-run
mkdir -p "$out/logs"
echo "writing $out; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
add_load() { # stdin: JSON lines; adds the load average before ($1) and after (now)
  python3 -c 'import json, sys
before = [float(v) for v in sys.argv[1].split()]
after = [float(v) for v in open("/proc/loadavg").read().split()[:3]]
for line in sys.stdin:
    r = json.loads(line)
    r.setdefault("load_before", before); r.setdefault("load_after", after)
    print(json.dumps(r))' "$1"
}
for phase in train eval; do
  for net in mlp256:mlp-784-256-128-10 mlp512:mlp-784-512-512-10 lenet:lenet; do
    short=${net%%:*} model=${net#*:}
    log="$out/logs/web-$phase-$short"
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    "${wasm_test[@]}" -- --nocapture "bench_${phase}_${short}" >"$log.out" 2>"$log.err" \
      || { echo "browser run failed: see $log.out / $log.err" >&2; exit 1; }
    grep -o 'MPG_BENCH {.*}' "$log.out" | sed 's/^MPG_BENCH //' | add_load "$load" | tee -a "$out/web.jsonl" \
      | python3 -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    print("wasm %s %s: %.0f img/s, wasm memory %.0f MiB" % (r["model"], r["phase"], r["images_per_wall_s"], r["wasm_memory_peak_bytes"] / 2**20))'
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    RAYON_NUM_THREADS=1 target/release/mpg bench --data "$MPG_DATA_DIR" --model "$model" --phase "$phase" \
      --runs "$MPG_BENCH_RUNS" --warmup "$MPG_BENCH_WARMUP" --mlp-steps "$MPG_BENCH_MLP_STEPS" \
      --cnn-steps "$MPG_BENCH_CNN_STEPS" 2>"$out/logs/web-native-$phase-$short.err" \
      | tee "$out/logs/web-native-$phase-$short.out" | add_load "$load" >>"$out/web-native.jsonl"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 bench/summarise.py "$out"
