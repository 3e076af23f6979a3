#!/usr/bin/env bash
# Runs `mpg` on every bad input of docs/reliability.md and prints the table of what each one
# answers (exit code and the message, as printed), so the table is a record of the build's
# actual behaviour and never typed from memory:
#
#   bash scripts/reliability-table.sh [path/to/mpg] > /tmp/table.md
#
# Needs the datasets in $MPG_DATA_DIR (default ../shared/data). Scratch files go to a
# temporary folder that is removed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
MPG="${1:-target/release/mpg}"
DATA="${MPG_DATA_DIR:-../shared/data}"
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
export MPG_DATA_DIR="$DATA"

# A model trained tiny, a Fashion-MNIST one, and crafted files.
"$MPG" train --hidden 16 --epochs 1 --batch 256 --out "$T/m.safetensors" >/dev/null 2>&1
"$MPG" train --dataset fashion-mnist --hidden 16 --epochs 1 --batch 256 --out "$T/fashion.safetensors" >/dev/null 2>&1
python3 - "$T" <<'EOF'
import json, struct, sys, os
t = sys.argv[1]
raw = open(f"{t}/m.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n]); data = raw[8 + n:]
def write(name, header, data):
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    open(f"{t}/{name}", "wb").write(struct.pack("<Q", len(h)) + h + data)
meta = header["__metadata__"]
cfg = json.loads(meta["memristor-playground.config"])
# std 0 preprocessing
c = json.loads(json.dumps(cfg)); c["preprocessing"] = {"kind": "normalized", "mean": 0.1307, "std": 0.0}
h = json.loads(json.dumps(header)); h["__metadata__"]["memristor-playground.config"] = json.dumps(c)
write("std0.safetensors", h, data)
# 2000 hidden layers in the header
c = json.loads(json.dumps(cfg)); c["arch"]["hidden"] = [16] * 2000
h = json.loads(json.dumps(header)); h["__metadata__"]["memristor-playground.config"] = json.dumps(c)
write("deep.safetensors", h, data)
# every weight 1e37 (f32, finite)
h = json.loads(json.dumps(header)); out = bytearray()
for name, info in sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0]):
    a, b = info["data_offsets"]; count = (b - a) // 4
    h[name]["data_offsets"] = [len(out), len(out) + 4 * count]
    out += struct.pack("<f", 1e37) * count
write("huge.safetensors", h, bytes(out))
# I64 weights
h = json.loads(json.dumps(header)); out = bytearray()
for name, info in sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0]):
    a, b = info["data_offsets"]; vals = struct.unpack(f"<{(b - a) // 4}f", data[a:b])
    h[name]["dtype"] = "I64"; h[name]["data_offsets"] = [len(out), len(out) + 8 * len(vals)]
    out += struct.pack(f"<{len(vals)}q", *[int(v * 100) for v in vals])
write("i64.safetensors", h, bytes(out))
# A PyTorch state dict (no config) with an extra fc3.weight [10, 10]
h = {k: v for k, v in header.items() if k != "__metadata__"}
h["fc3.weight"] = {"dtype": "F32", "shape": [10, 10], "data_offsets": [len(data), len(data) + 400]}
write("extra.safetensors", h, data + bytes(400))
EOF
# A data folder missing t10k-labels; one with a directory in its place; a gzip bomb.
mkdir -p "$T/partial" "$T/dirdata" "$T/bomb"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte; do
    cp "$DATA/mnist/$f.gz" "$T/partial/"; cp "$DATA/mnist/$f.gz" "$T/dirdata/"
done
mkdir "$T/dirdata/t10k-labels-idx1-ubyte.gz"
for f in train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do cp "$DATA/mnist/$f.gz" "$T/bomb/"; done
{ printf '\x00\x00\x08\x03\x00\x00\xea\x60\x00\x00\x00\x1c\x00\x00\x00\x1c'; head -c $((1536 * 1024 * 1024)) /dev/zero; } |
    gzip -1 >"$T/bomb/train-images-idx3-ubyte.gz"
touch "$T/readonly.safetensors" && chmod 444 "$T/readonly.safetensors"

row() {
    local what="$1"; shift
    local out code
    out="$("$MPG" "$@" 2>&1 >/dev/null)"; code=$?
    out="$(printf '%s' "$out" | tr '\n' ' ' | sed "s|$T|\$T|g; s|$DATA|\$DATA|g; s/|/\\\\|/g")"
    local shown="mpg $*"
    shown="$(printf '%s' "$shown" | sed "s|$T|\$T|g; s|$DATA|\$DATA|g")"
    printf '| %s | `%s` | %s | %s |\n' "$what" "$shown" "$code" "$out"
}

echo "| bad input | command | exit | message |"
echo "|---|---|---|---|"
row "--out in a missing folder" train --out /nonexistent/x.safetensors
row "--out is a directory" train --out "$T"
row "--out is a read-only file" train --out "$T/readonly.safetensors"
row "10 x 8192 hidden units" train --hidden 8192,8192,8192,8192,8192,8192,8192,8192,8192,8192 --out "$T/x.safetensors"
row "65 hidden layers" train --hidden "$(printf '8,%.0s' {1..64})8" --out "$T/x.safetensors"
row "CNN at batch 60000" train --arch example-cnn --batch 60000 --out "$T/x.safetensors"
row "learning rate 10 (report MLP)" train --epochs 1 --lr 10 --out "$T/x.safetensors"
row "learning rate 10 (16-unit MLP, batch 256: a finite collapse)" train --hidden 16 --epochs 1 --batch 256 --lr 10 --out "$T/x.safetensors"
row "noise 5 and lr 10" train --epochs 1 --method noise --train-noise 5 --lr 10 --out "$T/x.safetensors"
row "negative learning rate" train --lr -0.1 --out "$T/x.safetensors"
row "negative noise std" eval --model "$T/m.safetensors" --noise -1
row "negative draws" eval --model "$T/m.safetensors" --noise 1 --draws -3
row "negative batch" train --batch -5 --out "$T/x.safetensors"
row "landscape --subset 0" landscape --model "$T/m.safetensors" --subset 0 --out "$T/land"
row "two --name for one --model" landscape --model "$T/m.safetensors" --name a --name b --out "$T/land"
row "I64 weights" eval --model "$T/i64.safetensors"
row "preprocessing std 0" eval --model "$T/std0.safetensors"
row "weights of 1e37" eval --model "$T/huge.safetensors"
row "2000 hidden layers in the header" eval --model "$T/deep.safetensors"
row "--r-on 1e-45" crossbar eval --model "$T/m.safetensors" --r-on 1e-45
row "--r-off 1e20" crossbar eval --model "$T/m.safetensors" --r-off 1e20
row "extra fc3.weight in a state dict" eval --model "$T/extra.safetensors"
row "Fashion-MNIST model on MNIST" eval --model "$T/fashion.safetensors"
row "t10k-labels missing" eval --model "$T/m.safetensors" --data "$T/partial"
row "a directory as a data file" eval --model "$T/m.safetensors" --data "$T/dirdata"
row "gzip bomb (1.5 GiB of train images)" eval --model "$T/m.safetensors" --data "$T/bomb"
