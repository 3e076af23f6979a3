/tmp/mpg-gaps train --method fault-aware --lrs 0.1 --hrs 0.1 --biases zero --lr 1e-4 --epochs 10 --seed 1234 --out /tmp/gaps-models/faultaware-lr1e-4-ep10-s1234.safetensors --json
