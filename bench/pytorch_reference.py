#!/usr/bin/env python3
"""PyTorch CPU reference for BENCHMARKS.md: the same networks, batch size, optimiser and
thread count as `mpg bench`, timed the same way (median of repeated runs after a warm-up).

    pip install torch            # CPU execution; no numpy needed
    python3 bench/pytorch_reference.py --data ../shared/data/mnist --threads 2
    python3 bench/pytorch_reference.py --data ../shared/data/mnist --one-epoch   # accuracy check
"""
import argparse
import gzip
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def load(path, offset):
    return torch.frombuffer(bytearray(gzip.open(path).read()[offset:]), dtype=torch.uint8)


def mnist(d):
    x = load(f"{d}/train-images-idx3-ubyte.gz", 16).view(-1, 784).float() / 255
    y = load(f"{d}/train-labels-idx1-ubyte.gz", 8).long()
    xt = load(f"{d}/t10k-images-idx3-ubyte.gz", 16).view(-1, 784).float() / 255
    yt = load(f"{d}/t10k-labels-idx1-ubyte.gz", 8).long()
    return (x - 0.1307) / 0.3081, y, (xt - 0.1307) / 0.3081, yt


def mlp(h1, h2):
    return nn.Sequential(nn.Linear(784, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(), nn.Linear(h2, 10))


class LeNet(nn.Module):
    """conv(1->6, 5x5, pad 2)-ReLU-maxpool2-conv(6->16, 5x5)-ReLU-maxpool2-fc 400-120-84-10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def train_images_per_s(make, x, y, steps, conv):
    model = make()
    opt = torch.optim.Adam(model.parameters())
    perm = torch.randperm(len(x))[: steps * 64]
    t = time.perf_counter()
    for i in range(steps):
        idx = perm[i * 64 : (i + 1) * 64]
        xb = x[idx].view(-1, 1, 28, 28) if conv else x[idx]
        loss = F.cross_entropy(model(xb), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return steps * 64 / (time.perf_counter() - t)


def noisy_eval_images_per_s(make, xt, yt, conv, std=1.0):
    model = make()
    t = time.perf_counter()
    with torch.no_grad():
        for p in model.parameters():  # one log-normal draw on every parameter
            p.mul_(torch.exp(torch.randn_like(p) * std))
        correct = 0
        for s in range(0, len(xt), 1000):
            xb = xt[s : s + 1000]
            xb = xb.view(-1, 1, 28, 28) if conv else xb
            correct += (model(xb).argmax(1) == yt[s : s + 1000]).sum().item()
    return len(xt) / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/mnist")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mlp-steps", type=int, default=300)
    ap.add_argument("--cnn-steps", type=int, default=60)
    ap.add_argument("--one-epoch", action="store_true", help="train the report's MLP one epoch (seeds 1-3), print test accuracy")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    x, y, xt, yt = mnist(a.data)
    if a.one_epoch:
        for seed in (1, 2, 3):
            torch.manual_seed(seed)
            m = mlp(256, 128)
            opt = torch.optim.Adam(m.parameters())
            perm = torch.randperm(60000)
            for i in range(0, 60000, 64):
                idx = perm[i : i + 64]
                loss = F.cross_entropy(m(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                acc = (m(xt).argmax(1) == yt).float().mean().item() * 100
            print(f"seed {seed}: one epoch, batch 64: test accuracy {acc:.2f}%")
        return
    nets = [
        ("mlp-784-256-128-10", lambda: mlp(256, 128), a.mlp_steps, False),
        ("mlp-784-512-512-10", lambda: mlp(512, 512), a.mlp_steps, False),
        ("lenet", LeNet, a.cnn_steps, True),
    ]
    rows = []
    for name, make, steps, conv in nets:
        torch.manual_seed(0)
        tr = [train_images_per_s(make, x, y, steps, conv) for _ in range(a.runs + 1)][1:]
        ev = [noisy_eval_images_per_s(make, xt, yt, conv) for _ in range(a.runs + 1)][1:]
        row = {"model": name, "train_images_per_s": statistics.median(tr), "train_steps_per_s": statistics.median(tr) / 64,
               "noisy_eval_images_per_s": statistics.median(ev), "runs": a.runs}
        rows.append(row)
        print(f"{name}: train {row['train_images_per_s']:.0f} img/s, noisy eval {row['noisy_eval_images_per_s']:.0f} img/s", flush=True)
    print(json.dumps({"engine": f"pytorch {torch.__version__}", "threads": a.threads, "results": rows}, indent=2))


if __name__ == "__main__":
    main()
