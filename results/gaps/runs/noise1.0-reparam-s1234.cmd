/tmp/mpg-gaps train --method noise --train-noise 1.0 --gradient reparameterised --seed 1234 --out /tmp/gaps-models/noise1.0-reparam-s1234.safetensors --json
