/tmp/mpg-gaps train --method noise --train-noise 0.5 --gradient reparameterised --seed 1234 --out /tmp/gaps-models/noise0.5-reparam-s1234.safetensors --json
