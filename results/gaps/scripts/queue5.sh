#!/bin/bash
while pgrep -f queue4.sh >/dev/null; do sleep 5; done
cd /work/h-gaps
python3 bench/pytorch_reference.py --data /work/shared/data/mnist --threads 1 --hardening-check teacher-student --distill-loss kl --train-noise 1.0 --seeds 1234,1235,1236 2>/dev/null > results/gaps/pytorch-ts-kl-perturb-restore.jsonl
echo pytorch ts done
