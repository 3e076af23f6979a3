#!/usr/bin/env python3
"""PyTorch CPU reference for the native benchmarks: the same networks, batch size, optimiser,
preprocessing and timed work as `mpg bench` (crates/cli/src/commands/bench.rs), printing the
same JSON records, one line per timed run, on stdout.

What is timed, identically on both sides (keep the two in step):
- training: one epoch over the first steps*64 training images, batch 64, Adam: the shuffle,
  assembling and normalising each batch from the stored uint8 pixels, forward, loss, reading the
  loss back (.item()), backward, the optimiser step and the per-step running accuracy (argmax),
  as engine::train::train does.
- noisy evaluation: one log-normal draw w * exp(eps), eps ~ N(0, std^2), on every parameter (a
  noisy copy of the clean weights), then all 10,000 test images in batches of 1,000:
  normalising each batch from uint8 pixels, forward, cross-entropy loss and argmax, as
  engine::noise::noisy_accuracy_draw does.
Test images are normalised INSIDE the timer on both sides (the engine's public evaluation
normalises batch by batch from u8, and so does the app). Reading and decompressing the files,
building the model and one untimed warm-up run happen before the timer. The old version of this
script normalised the whole test set once, before the timer, and skipped the loss, so its noisy
evaluation timed less work than `mpg bench` did.

    pip install torch            # CPU execution; no numpy needed
    python3 bench/pytorch_reference.py --data ../shared/data/mnist --threads 1 --model lenet --phase eval
    python3 bench/pytorch_reference.py --data ../shared/data/mnist --one-epoch   # accuracy check
    python3 bench/pytorch_reference.py --data ../shared/data/mnist --accuracy-check lenet --epochs 5 --seeds 1,2,3
    # the engine's noise-injection recipe in PyTorch (results/gaps.md):
    python3 bench/pytorch_reference.py --data ../shared/data/mnist --hardening-check noise --train-noise 1.0 --seeds 1234,1235,1236

Interoperability with the engine (crates/engine/src/model/pytorch.rs; its tests run these):
    # a PyTorch-trained LeNet (seed 7, 100 steps of 64) as safetensors, and its logits for the
    # first 16 test images, normalised as the engine normalises MNIST:
    python3 bench/pytorch_reference.py --write-fixture crates/engine/tests/fixtures
    # loads a model the engine exported (`mpg export`) into the PyTorch module of that shape,
    # strictly, and compares its logits for the first N test images with the engine's:
    python3 bench/pytorch_reference.py --check-export m.safetensors --expect logits.json
Both read and write safetensors with the few lines below (no `safetensors` package needed);
in your own code, `model.load_state_dict(safetensors.torch.load_file(path))` does the same.
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.1307, 0.3081
MODELS = ["mlp-784-256-128-10", "mlp-784-512-512-10", "lenet"]
EVAL_BATCH = 1000


def load(path, offset):
    return torch.frombuffer(bytearray(gzip.open(path).read()[offset:]), dtype=torch.uint8)


def half(d, train):
    """Images as uint8 [n, 784] (like the engine's Dataset) and labels as int64."""
    stem = "train" if train else "t10k"
    x = load(f"{d}/{stem}-images-idx3-ubyte.gz", 16).view(-1, 784)
    y = load(f"{d}/{stem}-labels-idx1-ubyte.gz", 8).long()
    return x, y


def normalise(xb_u8, conv):
    """What the engine's Batcher does per batch: (pixel / 255 - mean) / std."""
    xb = (xb_u8.float() / 255 - MEAN) / STD
    return xb.view(-1, 1, 28, 28) if conv else xb


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


NETS = {
    "mlp-784-256-128-10": (lambda: mlp(256, 128), False),
    "mlp-784-512-512-10": (lambda: mlp(512, 512), False),
    "lenet": (LeNet, True),
}


def train_once(model, x, y, conv):
    """One epoch over (x, y), batch 64; returns the running accuracy."""
    opt = torch.optim.Adam(model.parameters())
    perm = torch.randperm(len(x))
    correct = 0
    for i in range(0, len(x), 64):
        idx = perm[i : i + 64]
        xb, yb = normalise(x[idx], conv), y[idx]
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        loss_value = loss.item()
        if loss_value != loss_value:
            raise RuntimeError("diverged")
        opt.zero_grad()
        loss.backward()
        opt.step()
        correct += (logits.argmax(1) == yb).sum().item()
    return 100.0 * correct / len(x)


def noisy_eval_once(model, clean, xt, yt, conv, std):
    """One noise draw on every parameter (a noisy copy of `clean`), then test accuracy."""
    with torch.no_grad():
        for p, c in zip(model.parameters(), clean):
            p.copy_(c * torch.exp(torch.randn_like(c) * std))
        correct = 0
        for s in range(0, len(xt), EVAL_BATCH):
            xb, yb = normalise(xt[s : s + EVAL_BATCH], conv), yt[s : s + EVAL_BATCH]
            logits = model(xb)
            F.cross_entropy(logits, yb).item()
            correct += (logits.argmax(1) == yb).sum().item()
    return 100.0 * correct / len(xt)


def load_average():
    try:
        return [float(v) for v in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        return []


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def timed(f):
    before = load_average()
    c, t = time.process_time(), time.perf_counter()
    out = f()
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    return wall, cpu, before, load_average(), out


def emit(a, name, phase, run, images, timing, acc, extra):
    wall, cpu, before, after = timing
    r = {
        "side": "pytorch", "engine": f"pytorch {torch.__version__}", "model": name, "phase": phase,
        "threads": torch.get_num_threads(), "run": run, "images": images, "wall_s": wall, "cpu_s": cpu,
        "images_per_wall_s": images / wall, "images_per_cpu_s": images / cpu, "accuracy": acc,
        "load_before": before, "load_after": after, "cpu_model": cpu_model(),
        # ru_maxrss is in KiB on Linux
        "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    r.update(extra)
    print(json.dumps(r), flush=True)
    print(f"pytorch {name} {phase}: {images / wall:.0f} img/s wall, {images / cpu:.0f} img/s per CPU-s", file=sys.stderr)


def read_safetensors(path):
    """A safetensors file's F32 tensors by name, and its metadata."""
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(raw[8 + n + start : 8 + n + end]), dtype=torch.float32).view(info["shape"])
    return out, meta


def write_safetensors(path, tensors, meta):
    """Tensors (name -> float32 tensor) as safetensors, names sorted, as safetensors.torch writes."""
    header, blobs, offset = {"__metadata__": meta}, [], 0
    for name in sorted(tensors):
        # Little-endian float32 bytes, without numpy.
        data = bytes(tensors[name].detach().to(torch.float32).contiguous().view(torch.uint8).flatten().tolist())
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + b"".join(blobs))


class NamedMlp(nn.Module):
    """An MLP with the engine's layer names fc1, fc2, ... (sizes from the state dict)."""

    def __init__(self, sizes):
        super().__init__()
        self.n = len(sizes) - 1
        for i in range(self.n):
            setattr(self, f"fc{i + 1}", nn.Linear(sizes[i], sizes[i + 1]))

    def forward(self, x):
        for i in range(self.n):
            x = getattr(self, f"fc{i + 1}")(x)
            x = F.relu(x) if i + 1 < self.n else x
        return x


FIXTURE_IMAGES = 16


def write_fixture(d, out_dir):
    """A LeNet trained by PyTorch (seed 7, 100 steps of 64 images, Adam) and its logits."""
    x, y = half(d, True)
    xt, _ = half(d, False)
    torch.manual_seed(7)
    model = LeNet()
    train_once(model, x[:6400], y[:6400], True)
    with torch.no_grad():
        logits = model(normalise(xt[:FIXTURE_IMAGES], True))
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "lenet-pytorch.safetensors"), model.state_dict(), {"format": "pt"})
    with open(os.path.join(out_dir, "lenet-pytorch-logits.json"), "w") as f:
        json.dump({"made_by": f"bench/pytorch_reference.py --write-fixture, torch {torch.__version__}",
                   "images": f"the first {FIXTURE_IMAGES} MNIST test images, (pixel / 255 - {MEAN}) / {STD}",
                   "logits": [[float(v) for v in row] for row in logits]}, f, indent=1)
        f.write("\n")
    print(f"wrote {out_dir}/lenet-pytorch.safetensors and lenet-pytorch-logits.json")


def check_export(d, path, expect_path):
    """Loads an exported model into the PyTorch module of its shape (strictly) and compares
    its logits on the first N test images with the engine's (JSON: {"logits": [[...], ...]})."""
    tensors, meta = read_safetensors(path)
    if "conv1.weight" in tensors:
        model, conv = LeNet(), True
    else:
        sizes = [tensors["fc1.weight"].shape[1]] + [tensors[f"fc{i + 1}.weight"].shape[0] for i in range(len(tensors) // 2)]
        model, conv = NamedMlp(sizes), False
    model.load_state_dict(tensors, strict=True)
    expected = torch.tensor(json.load(open(expect_path))["logits"])
    xt, _ = half(d, False)
    with torch.no_grad():
        logits = model(normalise(xt[: len(expected)], conv))
    diff = (logits - expected).abs().max().item()
    print(json.dumps({"file": path, "module": type(model).__name__, "images": len(expected), "max_abs_diff": diff,
                      "metadata": meta}))
    if not diff <= 1e-4:
        raise SystemExit(f"PyTorch's logits differ from the engine's by {diff} (> 1e-4)")


def accuracy_check(d, name, epochs, seeds):
    """Trains `name` for `epochs` epochs (batch 64, Adam defaults, a fresh shuffle per epoch) with
    each seed and prints its test accuracy: PyTorch's spread for a recipe, beside ours."""
    make, conv = NETS[name]
    x, y = half(d, True)
    xt, yt = half(d, False)
    for seed in seeds:
        torch.manual_seed(seed)
        m = make()
        opt = torch.optim.Adam(m.parameters())
        for _ in range(epochs):
            perm = torch.randperm(len(x))
            for i in range(0, len(x), 64):
                idx = perm[i : i + 64]
                loss = F.cross_entropy(m(normalise(x[idx], conv)), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            acc = sum((m(normalise(xt[s : s + EVAL_BATCH], conv)).argmax(1) == yt[s : s + EVAL_BATCH]).sum().item()
                      for s in range(0, len(xt), EVAL_BATCH)) / len(xt) * 100
        print(json.dumps({"model": name, "epochs": epochs, "batch": 64, "seed": seed, "test_accuracy": round(acc, 2),
                          "torch": torch.__version__}), flush=True)


def noisy_accuracy(model, xt, yt, std, draws, gen):
    """Mean test accuracy over `draws` log-normal draws w * exp(eps) on every parameter (all
    10,000 images each), and the per-draw figures; the model's own weights are left clean."""
    clean = [p.detach().clone() for p in model.parameters()]
    accs = []
    with torch.no_grad():
        for _ in range(draws):
            for p, c in zip(model.parameters(), clean):
                p.copy_(c * torch.exp(torch.randn(c.shape, generator=gen) * std))
            accs.append(sum((model(normalise(xt[s : s + EVAL_BATCH], False)).argmax(1) == yt[s : s + EVAL_BATCH]).sum().item()
                            for s in range(0, len(xt), EVAL_BATCH)) / len(xt) * 100)
        for p, c in zip(model.parameters(), clean):
            p.copy_(c)
    return sum(accs) / len(accs), accs


def hardening_train(model, x, y, a, teacher=None):
    """The engine's hardening recipes (crates/engine/src/train/method.rs) in PyTorch: the
    report's MLP, batch 64, Adam (lr --lr), --epochs epochs, a fresh shuffle per epoch and a
    fresh log-normal draw w * exp(eps), eps ~ N(0, --train-noise^2), on every parameter at every
    step. perturb-restore: forward and backward at the noisy weights, that gradient applied to
    the clean weights; reparameterised: the gradient flows through w * exp(eps). The loss is
    cross-entropy, or against a clean teacher's softmax: MSE over all elements, or
    KL(teacher || student) summed over classes and averaged over the batch."""
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    params = list(model.parameters())
    for _ in range(a.epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = perm[i : i + 64]
            xb, yb = normalise(x[idx], False), y[idx]
            # --noise-on weights: biases stay clean in training (a reading the engine has no flag for)
            factors = [torch.exp(torch.randn_like(p) * a.train_noise) if a.noise_on == "all" or p.dim() > 1
                       else torch.ones_like(p) for p in params]
            if a.gradient == "perturb-restore":
                clean = [p.detach().clone() for p in params]
                with torch.no_grad():
                    for p, f in zip(params, factors):
                        p.mul_(f)
                logits = model(xb)
            else:
                names = [n for n, _ in model.named_parameters()]
                noisy = {n: p * f for n, p, f in zip(names, params, factors)}
                logits = torch.func.functional_call(model, noisy, (xb,))
            if teacher is None:
                loss = F.cross_entropy(logits, yb)
            else:
                with torch.no_grad():
                    t = F.softmax(teacher(xb), 1)
                if a.distill_loss == "mse":
                    loss = F.mse_loss(F.softmax(logits, 1), t)
                else:
                    loss = (t * (t.clamp_min(1e-12).log() - F.log_softmax(logits, 1))).sum() / len(xb)
            opt.zero_grad()
            loss.backward()
            if a.gradient == "perturb-restore":
                with torch.no_grad():
                    for p, c in zip(params, clean):
                        p.copy_(c)
            opt.step()


def hardening_check(d, a, seeds):
    """Trains the report's MLP with a hardening recipe per seed (the teacher, for
    teacher-student, is a clean baseline trained first from the same seed) and prints its clean
    accuracy and its mean over 5 noise draws at std 1.0 and 1.5: PyTorch's figure for our recipe."""
    x, y = half(d, True)
    xt, yt = half(d, False)
    for seed in seeds:
        teacher = None
        if a.hardening_check == "teacher-student":
            torch.manual_seed(seed)
            teacher = mlp(256, 128)
            opt = torch.optim.Adam(teacher.parameters())
            for _ in range(5):
                perm = torch.randperm(len(x))
                for i in range(0, len(x), 64):
                    idx = perm[i : i + 64]
                    loss = F.cross_entropy(teacher(normalise(x[idx], False)), y[idx])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
            teacher.eval()
        torch.manual_seed(seed)
        m = mlp(256, 128)
        t0 = time.process_time()
        hardening_train(m, x, y, a, teacher)
        cpu = time.process_time() - t0
        gen = torch.Generator().manual_seed(seed)
        clean, _ = noisy_accuracy(m, xt, yt, 0.0, 1, gen)
        n10, d10 = noisy_accuracy(m, xt, yt, 1.0, 5, gen)
        n15, d15 = noisy_accuracy(m, xt, yt, 1.5, 5, gen)
        r = {"recipe": a.hardening_check, "train_noise": a.train_noise, "noise_on": a.noise_on, "gradient": a.gradient, "lr": a.lr,
             "epochs": a.epochs, "batch": 64, "seed": seed, "clean": round(clean, 2), "std1.0_mean5": round(n10, 2),
             "std1.0_draws": [round(v, 2) for v in d10], "std1.5_mean5": round(n15, 2), "std1.5_draws": [round(v, 2) for v in d15], "train_cpu_s": round(cpu, 1),
             "torch": torch.__version__}
        if teacher is not None:
            r["distill_loss"] = a.distill_loss
            r["teacher_clean"] = round(noisy_accuracy(teacher, xt, yt, 0.0, 1, gen)[0], 2)
        print(json.dumps(r), flush=True)


def one_epoch_check(d):
    x, y = half(d, True)
    xt, yt = half(d, False)
    for seed in (1, 2, 3):
        torch.manual_seed(seed)
        m = mlp(256, 128)
        train_once(m, x, y, False)
        with torch.no_grad():
            acc = (m(normalise(xt, False)).argmax(1) == yt).float().mean().item() * 100
        print(f"seed {seed}: one epoch, batch 64: test accuracy {acc:.2f}%")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/mnist", help="folder holding the four MNIST .gz files")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--model", choices=MODELS, help="all three if omitted")
    ap.add_argument("--phase", choices=["train", "eval", "both"], default="both")
    ap.add_argument("--runs", type=int, default=1, help="timed repetitions (one JSON line each)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed warm-up repetitions")
    ap.add_argument("--mlp-steps", type=int, default=300)
    ap.add_argument("--cnn-steps", type=int, default=60)
    ap.add_argument("--std", type=float, default=1.0)
    ap.add_argument("--one-epoch", action="store_true", help="train the report's MLP one epoch (seeds 1-3), print test accuracy")
    ap.add_argument("--write-fixture", metavar="DIR", help="write the PyTorch-trained LeNet fixture and its logits")
    ap.add_argument("--check-export", metavar="FILE", help="load an exported model in PyTorch and compare logits")
    ap.add_argument("--expect", metavar="JSON", help="the engine's logits for --check-export")
    ap.add_argument("--accuracy-check", metavar="MODEL", choices=MODELS,
                    help="train MODEL for --epochs epochs per --seeds seed and print test accuracy")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seeds", default="1,2,3", help="comma-separated seeds for --accuracy-check / --hardening-check")
    ap.add_argument("--hardening-check", choices=["noise", "teacher-student"],
                    help="train the report's MLP with this hardening recipe per --seeds seed, print clean and noisy accuracy")
    ap.add_argument("--train-noise", type=float, default=1.0, help="--hardening-check: std of eps in w*exp(eps)")
    ap.add_argument("--gradient", choices=["perturb-restore", "reparameterised"], default="perturb-restore")
    ap.add_argument("--distill-loss", choices=["mse", "kl"], default="kl")
    ap.add_argument("--noise-on", choices=["all", "weights"], default="all",
                    help="--hardening-check: parameters that get training noise (test noise is on all of them)")
    ap.add_argument("--lr", type=float, default=1e-3, help="--hardening-check: Adam learning rate")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.accuracy_check:
        return accuracy_check(a.data, a.accuracy_check, a.epochs, [int(s) for s in a.seeds.split(",")])
    if a.hardening_check:
        return hardening_check(a.data, a, [int(s) for s in a.seeds.split(",")])
    if a.write_fixture:
        return write_fixture(a.data, a.write_fixture)
    if a.check_export:
        return check_export(a.data, a.check_export, a.expect)
    if a.one_epoch:
        return one_epoch_check(a.data)
    models = [a.model] if a.model else MODELS
    # Only the half a phase needs is loaded, so a process's peak RSS is that phase's.
    train_set = half(a.data, True) if a.phase != "eval" else None
    test_set = half(a.data, False) if a.phase != "train" else None
    for name in models:
        make, conv = NETS[name]
        if train_set is not None:
            steps = a.cnn_steps if conv else a.mlp_steps
            x, y = train_set[0][: steps * 64], train_set[1][: steps * 64]
            for run in range(a.warmup + a.runs):
                torch.manual_seed(run)
                model = make()
                wall, cpu, before, after, acc = timed(lambda: train_once(model, x, y, conv))
                if run >= a.warmup:
                    emit(a, name, "train", run - a.warmup, len(x), (wall, cpu, before, after), acc,
                         {"steps": (len(x) + 63) // 64, "batch": 64})
        if test_set is not None:
            xt, yt = test_set
            torch.manual_seed(0)
            model = make()
            clean = [p.detach().clone() for p in model.parameters()]
            for run in range(a.warmup + a.runs):
                wall, cpu, before, after, acc = timed(lambda: noisy_eval_once(model, clean, xt, yt, conv, a.std))
                if run >= a.warmup:
                    emit(a, name, "eval", run - a.warmup, len(xt), (wall, cpu, before, after), acc,
                         {"batch": EVAL_BATCH, "std": a.std})


if __name__ == "__main__":
    main()
