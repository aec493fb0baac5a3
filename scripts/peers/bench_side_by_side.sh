#!/usr/bin/env bash
# Times a training step and encoding, hourglass and PyTorch one after the
# other for each batch size, so each pair runs in the same minute; with
# repeats > 1, each batch size is timed that many pairs in a row:
#   scripts/peers/bench_side_by_side.sh [bin/hourglass] [steps] [repeats]
set -euo pipefail
bin=${1:-bin/hourglass}
steps=${2:-20}
repeats=${3:-1}
for batch in 32 128 512; do
  for _ in $(seq "$repeats"); do
    "$bin" bench --batch "$batch" --steps "$steps" --quiet | tail -1 | sed "s/^/batch $batch: /"
    /usr/bin/python3 "$(dirname "$0")/torch_autoencoder.py" bench --batch "$batch" --steps "$steps" | tail -1
  done
done
