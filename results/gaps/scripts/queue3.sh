#!/bin/bash
while pgrep -f queue2.sh >/dev/null; do sleep 5; done
cd /work/h-gaps; export MPG_DATA_DIR=/work/shared/data
for cs in 1 2 3; do /tmp/mpg-gaps crossbar eval --model /tmp/gaps-models/main/mlp-b32.safetensors --input-scaling memtorch --eval-batch 64 --seed $cs --json > results/gaps/crossbar-eval-mlp-b32-seed1234-xbarseed$cs.json; done
echo xbar seeds done
python3 bench/pytorch_reference.py --data /work/shared/data/mnist --threads 1 --hardening-check noise --train-noise 1.0 --noise-on weights --seeds 1234,1235,1236 2>/dev/null > results/gaps/pytorch-noise1.0-perturb-restore-weights-only.jsonl
echo pytorch done
