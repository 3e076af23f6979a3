#!/bin/bash
while pgrep -f queue1.sh >/dev/null; do sleep 5; done
cd /work/h-gaps; export MPG_DATA_DIR=/work/shared/data
for m in mlp-noise0.5 mlp-noise1.0; do for s in 1235 1236 1237 1238; do f=/tmp/gaps-models/main/$m-seed$s.safetensors
 /tmp/mpg-gaps crossbar batch-sweep --model $f --batches 1,4,16,32,64,128,256,1000,10000 --json > results/gaps/crossbar-batch-sweep-$m-seed$s.json; done; done
echo sweeps done
for s in 1234 1235 1236; do /tmp/gaps-bin/fa.sh faultaware-0.05 $s --method fault-aware --lrs 0.05 --hrs 0.05 --biases zero; done
