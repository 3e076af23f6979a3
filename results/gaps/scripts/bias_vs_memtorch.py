# Mean |bias| per layer of each batch-swept model beside its memtorch accuracy at evaluation batch 64,
# and their correlation over the models (run from the worktree root; models copied from
# /work/main/results/models to /tmp/gaps-models/main).
import sys, json, glob, re, statistics
sys.path.insert(0, "bench")
import pytorch_reference as pr
out = []
for f in sorted(glob.glob("results/gaps/crossbar-batch-sweep-*.json")):
    k, s = re.search(r"sweep-(.*)-seed(\d+)", f).groups()
    p = f"/tmp/gaps-models/main/{k}.safetensors" if s == "1234" else f"/tmp/gaps-models/main/{k}-seed{s}.safetensors"
    t, _ = pr.read_safetensors(p)
    r = {x["eval_batch"]: x["memtorch"] for x in json.load(open(f))["rows"]}
    b = {n: round(v.abs().mean().item(), 4) for n, v in t.items() if n.endswith("bias")}
    out.append((sum(b.values()), r[64]))
    print(k, s, "memtorch@64", r[64], "mean|b|", b)
print("correlation(sum of per-layer mean |b|, memtorch@64) over", len(out), "models:",
      round(statistics.correlation([o[0] for o in out], [o[1] for o in out]), 3))
