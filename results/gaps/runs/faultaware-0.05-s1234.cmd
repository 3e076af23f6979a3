/tmp/mpg-gaps train --method fault-aware --lrs 0.05 --hrs 0.05 --biases zero --seed 1234 --out /tmp/gaps-models/faultaware-0.05-s1234.safetensors --json
