// Package engine is hourglass's model runtime, below every stage: the
// autoencoder's compiled graphs on a GoMLX backend (Engine), checkpoints
// that save and restore a context's variables atomically with a state
// record, snapshots of weights in memory, and the epoch loop with early
// stopping and best-weights snapshots that pretraining and transfer
// learning share (Loop).
package engine
