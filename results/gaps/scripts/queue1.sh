#!/bin/bash
T=/tmp/gaps-models/main
for s in 1235 1236; do /tmp/gaps-bin/tr.sh noise1.0-reparam $s --method noise --train-noise 1.0 --gradient reparameterised; done
for s in 1234 1235 1236; do /tmp/gaps-bin/tr.sh noise0.5-reparam $s --method noise --train-noise 0.5 --gradient reparameterised; done
for s in 1234 1235 1236; do if [ $s = 1234 ]; then t=$T/mlp-b64.safetensors; else t=$T/mlp-b64-seed$s.safetensors; fi
  /tmp/gaps-bin/tr.sh ts-kl-reparam $s --method teacher-student --distill-loss kl --train-noise 1.0 --gradient reparameterised --teacher $t
  /tmp/gaps-bin/tr.sh ts-mse-reparam $s --method teacher-student --distill-loss mse --train-noise 1.0 --gradient reparameterised --teacher $t
done
