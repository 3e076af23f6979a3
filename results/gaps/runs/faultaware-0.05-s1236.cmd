/tmp/mpg-gaps train --method fault-aware --lrs 0.05 --hrs 0.05 --biases zero --seed 1236 --out /tmp/gaps-models/faultaware-0.05-s1236.safetensors --json
