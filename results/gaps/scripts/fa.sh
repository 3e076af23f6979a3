#!/bin/bash
# usage: fa.sh NAME SEED [train args...]: fault-aware model; clean, crossbar (memtorch, eval batch 64) without and with 0.1/0.1 faults, noise 1.0/1.5
set -e
export MPG_DATA_DIR=/work/shared/data
name=$1; seed=$2; shift 2
out=/work/h-gaps/results/gaps/runs/$name-s$seed
m=/tmp/gaps-models/$name-s$seed.safetensors
echo "/tmp/mpg-gaps train $* --seed $seed --out $m --json" > $out.cmd
/tmp/mpg-gaps train "$@" --seed $seed --out $m --json > $out.train.json
/tmp/mpg-gaps crossbar eval --model $m --input-scaling memtorch --eval-batch 64 --seed $seed --json > $out.xbar.json
/tmp/mpg-gaps crossbar eval --model $m --input-scaling memtorch --eval-batch 64 --lrs 0.1 --hrs 0.1 --draws 5 --seed $seed --json > $out.xbar-faults.json
for s in 1.0 1.5; do /tmp/mpg-gaps eval --model $m --noise $s --draws 5 --seed $seed --json > $out.eval$s.json; done
python3 - $out <<'P'
import json,sys
o=sys.argv[1]; t=json.load(open(o+'.train.json')); a=json.load(open(o+'.eval1.0.json')); b=json.load(open(o+'.eval1.5.json'))
x=json.load(open(o+'.xbar.json')); f=json.load(open(o+'.xbar-faults.json'))
print(o.split('/')[-1], 'clean', t['test_accuracy'], 'xbar', round(x['accuracy'],2), 'xbar+faults', round(f['mean'],2), 'std1.0', round(a['mean'],2), 'std1.5', round(b['mean'],2), 'train_s', round(t['train_seconds'],1), 'epochs_done', t['epochs_done'])
P
