// Package pretrain is the `hourglass pretrain` stage: it trains the seed
// autoencoder without labels (per-pixel MSE, Adam, minibatches), validates
// after every epoch, evaluates the test set at the end, and writes
// checkpoints, curves, reconstructions and a summary (paths in layout).
// The model runtime it drives is package engine; the epoch loop with early
// stopping is engine.Loop.
package pretrain
