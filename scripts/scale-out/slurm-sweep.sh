#!/bin/bash
# A sweep as a Slurm job array: one task per run of the sweep, all writing
# into the same output folder on a shared file system; then the report.
#
#   n=$(hourglass sweep configs/sweep-code-size.yaml --list | wc -l)
#   jid=$(sbatch --parsable --array=0-$((n-1)) scripts/scale-out/slurm-sweep.sh configs/sweep-code-size.yaml)
#   sbatch --dependency=afterany:$jid --wrap 'hourglass sweep configs/sweep-code-size.yaml --gather'
#
# Submit from the repository root on the shared file system (Slurm starts
# the tasks there), with hourglass on PATH and the dataset installed
# (`make setup`). Runs that share a stage (the same pretraining for
# several compare.k values, say) wait for one another through a lock in
# the output folder's .shared/ (flock: the file system must support it).
#SBATCH --job-name=hourglass-sweep
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
exec hourglass sweep "$1" --variant "$SLURM_ARRAY_TASK_ID"
