// Package pretrain trains the seed autoencoder without labels: per-pixel
// MSE, Adam, minibatches, validation after every epoch, the test set at the
// end. Engine is the model with its optimiser; Run (the `hourglass
// pretrain` stage) drives it from an experiment configuration.
package pretrain
