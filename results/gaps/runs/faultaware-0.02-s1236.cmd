/tmp/mpg-gaps train --method fault-aware --lrs 0.02 --hrs 0.02 --biases zero --seed 1236 --out /tmp/gaps-models/faultaware-0.02-s1236.safetensors --json
