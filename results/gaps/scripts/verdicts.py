# Report figure vs each variant, with the project's verdict rule: sigma = sqrt(sd_seeds^2 (1 + 1/n) + sd_draw^2 / 5),
# sd_seeds the sd over seeds of each model's figure (clean, or its mean over 5 draws), sd_draw the pooled sd of one
# draw within a model; "holds" if |report - mean| <= 2 sigma.
import json, glob, re, statistics as st, os, math, sys
REPORT = {"noise0.5": (98.00, 84.38, 44.17, None), "noise1.0": (90.21, 85.88, 54.18, None),
          "ts-mse": (93.61, 86.43, 41.46, None), "ts-kl": (92.00, 85.12, 45.60, None),
          "faultaware": (97.32, 88.32, 69.64, 51.49)}
def row_of(name):
    for k in sorted(REPORT, key=len, reverse=True):
        if name.startswith(k) or name.startswith("pytorch:" + k): return k
var = {}
for f in sorted(glob.glob("results/gaps/runs/*.train.json")):
    o = f[:-len(".train.json")]; name, seed = re.match(r".*/(.*)-s(\d+)$", o).groups()
    if not os.path.exists(o + ".eval1.5.json"): continue
    t = json.load(open(f)); r = {"clean": (t["test_accuracy"], [])}
    for k, p in (("std1.0", ".eval1.0.json"), ("std1.5", ".eval1.5.json"), ("xbar+faults", ".xbar-faults.json")):
        if os.path.exists(o + p):
            d = json.load(open(o + p)); r[k] = (d["mean"], d["draws"])
    var.setdefault(name, []).append(r)
for f in sorted(glob.glob("results/gaps/pytorch-*.jsonl")):
    name = "pytorch:" + os.path.basename(f)[len("pytorch-"):-len(".jsonl")]
    for l in open(f):
        d = json.loads(l)
        var.setdefault(name, []).append({"clean": (d["clean"], []), "std1.0": (d["std1.0_mean5"], d["std1.0_draws"]), "std1.5": (d["std1.5_mean5"], d["std1.5_draws"])})
keys = ["clean", "std1.0", "std1.5", "xbar+faults"]
print("| Variant | Seeds | " + " | ".join(keys) + " |"); print("|---|---|" + "---|" * len(keys))
for n, rs in var.items():
    rep = REPORT[row_of(n)]; cells = []
    if len(rs) == 1:  # one seed: no training spread, no verdict
        print(f"| {n} | 1 | " + " | ".join(f"{rs[0][k][0]:.2f} (report {rep[i]}, one seed: no verdict)" if k in rs[0] else "—" for i, k in enumerate(keys)) + " |")
        continue
    for i, k in enumerate(keys):
        if k not in rs[0] or rep[i] is None: cells.append("—" if k not in rs[0] else f"{st.mean(r[k][0] for r in rs):.2f} ± {st.stdev(r[k][0] for r in rs):.2f}"); continue
        xs = [r[k][0] for r in rs]; m = st.mean(xs); sd = st.stdev(xs); nn = len(xs)
        within = [st.variance(r[k][1]) for r in rs if len(r[k][1]) > 1]
        sdd = math.sqrt(st.mean(within)) if within else 0.0
        sig = math.sqrt(sd * sd * (1 + 1 / nn) + sdd * sdd / 5)
        z = abs(rep[i] - m) / sig
        cells.append(f"{m:.2f} ± {sd:.2f} (report {rep[i]}: {'holds' if z <= 2 else 'differs'}, {rep[i]-m:+.2f} pp, {z:.1f} sd)")
    print(f"| {n} | {len(rs)} | " + " | ".join(cells) + " |")
