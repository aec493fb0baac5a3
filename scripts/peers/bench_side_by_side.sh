#!/usr/bin/env bash
# Times a training step and encoding, hourglass and PyTorch one after the
# other for each batch size and each kind of images (random, then real
# Fashion-MNIST batches), so each pair runs in the same minute; with
# repeats > 1, each pair is timed that many times in a row:
#   scripts/peers/bench_side_by_side.sh [bin/hourglass] [steps] [repeats] [batches] [data]
# batches defaults to "32 128 512", data to "random real".
set -euo pipefail
bin=${1:-bin/hourglass}
steps=${2:-20}
repeats=${3:-1}
batches=${4:-32 128 512}
kinds=${5:-random real}
peer="$(dirname "$0")/torch_autoencoder.py"
for batch in $batches; do
  for data in $kinds; do
    for _ in $(seq "$repeats"); do
      out=$("$bin" bench --batch "$batch" --steps "$steps" --data "$data" --quiet)
      ms=$(awk '$1 == "hourglass" && $2 ~ /^[0-9.]+$/ {print $2}' <<<"$out")
      rate=$(grep -o '[0-9.]* GFLOP/s; the matrix kernel alone [0-9.]* GFLOP/s' <<<"$out" || true)
      t=$(/usr/bin/python3 "$peer" bench --batch "$batch" --steps "$steps" --data "$data" | tail -1)
      tms=$(awk '{for (i = 1; i < NF; i++) if ($i == "ms/step") print $(i+1)}' <<<"$t")
      ratio=$(awk -v a="$ms" -v b="$tms" 'BEGIN {printf "%.2f", a / b}')
      echo "batch $batch $data: hourglass $ms ms/step, torch $tms ms/step, ratio ${ratio}x ($rate)"
    done
  done
done
