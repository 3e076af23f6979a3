/tmp/mpg-gaps train --method noise --train-noise 0.5 --gradient reparameterised --seed 1235 --out /tmp/gaps-models/noise0.5-reparam-s1235.safetensors --json
