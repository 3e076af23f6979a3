#!/bin/bash
while pgrep -f queue3.sh >/dev/null; do sleep 5; done
for s in 1234 1235 1236; do /tmp/gaps-bin/fa.sh faultaware-0.02 $s --method fault-aware --lrs 0.02 --hrs 0.02 --biases zero; done
/tmp/gaps-bin/fa.sh faultaware-lr1e-4-ep10 1234 --method fault-aware --lrs 0.1 --hrs 0.1 --biases zero --lr 1e-4 --epochs 10
