/tmp/mpg-gaps train --method noise --train-noise 0.5 --gradient reparameterised --seed 1236 --out /tmp/gaps-models/noise0.5-reparam-s1236.safetensors --json
