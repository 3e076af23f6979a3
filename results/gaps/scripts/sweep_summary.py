# Summarises results/gaps/crossbar-batch-sweep-*.json: per model, mean ± sd over seeds of memtorch accuracy
# at each eval batch, and whether the report's figure is within 2*sd*sqrt(1+1/n) of the mean (the project's
# verdict rule for a deterministic figure).
import json, glob, re, statistics as st, math
REPORT = {"mlp-b32": 88.49, "mlp-b64": 90.54, "mlp-b128": 91.04, "mlp-b256": 91.44, "mlp-noise1.0": 72.17, "mlp-noise0.5": 91.06}
rows = {}
for f in sorted(glob.glob("results/gaps/crossbar-batch-sweep-*.json")):
    m = re.search(r"sweep-(.*)-seed(\d+)", f)
    d = json.load(open(f))
    rows.setdefault(m.group(1), []).append((int(m.group(2)), d["digital_accuracy"], {r["eval_batch"]: r["memtorch"] for r in d["rows"]}))
bs = [1, 4, 16, 32, 64, 128, 256, 1000, 10000]
print("| Model | Seeds | Report | " + " | ".join(f"eval {b}" for b in bs) + " |")
print("|---|---|---|" + "---|" * len(bs))
for k in REPORT:
    v = sorted(rows[k]); n = len(v)
    cells = []
    for b in bs:
        xs = [x[2][b] for x in v]; mu = st.mean(xs); sd = st.stdev(xs)
        sig = sd * math.sqrt(1 + 1 / n)
        z = abs(REPORT[k] - mu) / sig
        cells.append(f"{mu:.2f} ± {sd:.2f}{' **✓**' if z <= 2 else ''}")
    print(f"| {k} | {n} ({v[0][0]}–{v[-1][0]}) | {REPORT[k]} | " + " | ".join(cells) + " |")
print()
print("Per seed (memtorch accuracy at each eval batch; digital accuracy first):")
print()
print("| Model | Seed | Digital | " + " | ".join(f"eval {b}" for b in bs) + " |")
print("|---|---|---|" + "---|" * len(bs))
for k in REPORT:
    for s, dig, r in sorted(rows[k]):
        print(f"| {k} | {s} | {dig} | " + " | ".join(f"{r[b]:.2f}" for b in bs) + " |")
