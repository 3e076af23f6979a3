#!/usr/bin/env python3
"""PyTorch's side of crates/engine/examples/gemm_floor.rs: torch.mm at the products of
evaluating the MLPs on 1,000 images, one thread, best of 50. Run:
    python3 bench/gemm_floor.py
"""
import json
import time

import torch

torch.set_num_threads(1)
batch = 1000
for name, layers in [("mlp-784-256-128-10", [(784, 256), (256, 128), (128, 10)]),
                     ("mlp-784-512-512-10", [(784, 512), (512, 512), (512, 10)])]:
    xs = [torch.randn(batch, i) for i, _ in layers]
    ws = [torch.randn(i, o) for i, o in layers]
    flops = sum(2 * batch * i * o for i, o in layers)
    best = float("inf")
    for _ in range(50):
        t = time.perf_counter()
        for x, w in zip(xs, ws):
            torch.mm(x, w)
        best = min(best, time.perf_counter() - t)
    print(json.dumps({"side": "pytorch-mm", "model": name, "batch": batch, "best_s": round(best, 6),
                      "gflops": round(flops / best / 1e9, 1), "images_per_s": round(batch / best),
                      "mkldnn": torch.backends.mkldnn.is_available(), "cpu_capability": torch.backends.cpu.get_cpu_capability()}))
