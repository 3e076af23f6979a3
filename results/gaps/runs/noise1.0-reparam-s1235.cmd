/tmp/mpg-gaps train --method noise --train-noise 1.0 --gradient reparameterised --seed 1235 --out /tmp/gaps-models/noise1.0-reparam-s1235.safetensors --json
