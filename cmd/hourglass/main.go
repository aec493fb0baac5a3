// Command hourglass runs autoencoder pretraining, transfer learning,
// dimensionality reduction and kNN comparison experiments on Fashion-MNIST.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hourglass-ml/hourglass/internal/app/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := cli.NewRootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "hourglass:", err)
		os.Exit(1)
	}
}
