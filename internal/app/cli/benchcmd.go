package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/app/bench"
	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/knn"
)

// NewBenchCommand times training and encoding.
func NewBenchCommand(g *globalFlags) *cobra.Command {
	var (
		steps, warmup, batch, encode int
		source                       string
		stock, simple, asJSON        bool
	)
	c := &cobra.Command{
		Use:   "bench",
		Short: "Time training steps and encoding on the configured backend",
		Long: `bench trains the autoencoder for --steps steps (after --warmup untimed ones that
compile the graphs) and encodes --encode batches, then prints milliseconds per
training step, training and encoding images per second, and peak memory.
--stock also times the unimproved GoMLX path (layers.Convolution, MaxPool and
GoMLX's own product gradients, with only the missing operations filled in) in
the same run and prints the ratio; --simplego-kernels times hourglass's model
with simplego's own kernels instead of hourglass's (backend option
kernels=simplego: im2col convolutions built from graph operations, simplego's
matrix products). Both comparison variants run on a backend with simplego's
kernels. The batch size defaults to
pretrain.batch_size, the backend to the config's backend.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			if batch <= 0 {
				batch = cfg.Pretrain.BatchSize
			}
			if steps < 1 || warmup < 0 || encode < 0 {
				return fmt.Errorf("--steps must be >= 1 and --warmup, --encode >= 0")
			}
			be, err := backend.New(cfg.Backend)
			if err != nil {
				return err
			}
			need := batch * max(steps+warmup, encode, 1)
			var images *data.Set
			switch source {
			case "random":
				images = data.Synthetic(min(need, 20*batch), cfg.Seed)
			case "real":
				s, err := data.Prepare(cfg.Data, cfg.Seed, g.lookupEnv)
				if err != nil {
					return err
				}
				images = s.Train
			default:
				return fmt.Errorf("--data %q: use random or real", source)
			}
			o := bench.Options{Backend: be, BackendName: cfg.Backend, Batch: batch, Steps: steps, Warmup: warmup,
				EncodeBatches: encode, Images: images, DataName: source, Seed: cfg.Seed, Log: g.progressOut(cmd)}
			type variant struct {
				name  string
				stock bool
			}
			variants := []variant{{"hourglass", false}}
			if simple {
				variants = append(variants, variant{"simplego-kernels", false})
			}
			if stock {
				variants = append(variants, variant{"stock", true})
			}
			var results []bench.Result
			for i, v := range variants {
				o.Variant, o.Stock = v.name, v.stock
				if i > 0 && backend.IsPureGo(be) {
					if o.Backend, err = backend.NewGo(backend.DefaultGoConfig + ",kernels=simplego"); err != nil {
						return err
					}
				}
				r, err := bench.Run(o)
				if err != nil {
					return err
				}
				results = append(results, r)
			}
			if asJSON {
				return printJSON(cmd, results)
			}
			bench.WriteTable(cmd.OutOrStdout(), results)
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&steps, "steps", 10, "timed training steps")
	f.IntVar(&warmup, "warmup", 2, "untimed training steps first (graph compilation)")
	f.IntVar(&batch, "batch", 0, "batch size (default: pretrain.batch_size)")
	f.IntVar(&encode, "encode", 10, "timed encoder batches")
	f.StringVar(&source, "data", "random", "images to use: random (synthetic) or real (Fashion-MNIST training split)")
	f.BoolVar(&stock, "stock", false, "also time the unimproved GoMLX path and print the ratio")
	f.BoolVar(&simple, "simplego-kernels", false, "also time the model on simplego's own kernels instead of hourglass's")
	f.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	c.AddCommand(newBenchKNNCommand(g))
	return c
}

// newBenchKNNCommand times the exact kNN search on raw pixels.
func newBenchKNNCommand(g *globalFlags) *cobra.Command {
	var (
		queries, k int
		weights    string
		savePred   string
		asJSON     bool
	)
	c := &cobra.Command{
		Use:   "knn",
		Short: "Time the exact kNN search: every test image among the 60,000 training images, raw pixels",
		Long: `bench knn searches the --queries first test images among the whole
training file (60,000 images, 784 raw pixels each) with hourglass's exact
kNN, and prints the seconds (indexing and search), GFLOP/s beside the
matrix kernel's own on the same shapes, accuracy and peak memory. Run
scripts/peers/sklearn_pca_knn.py --dims "" --no-full-pca in the same
minute to compare; --save-pred writes the predictions as .npy to compare
query by query with its --save-pred.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			w, err := knn.ParseWeights(weights)
			if err != nil {
				return err
			}
			s, err := data.Prepare(config.Data{Dir: cfg.Data.Dir}, cfg.Seed, g.lookupEnv)
			if err != nil {
				return err
			}
			if queries < 1 || queries > s.Test.Len() {
				return fmt.Errorf("--queries %d: from 1 to %d", queries, s.Test.Len())
			}
			r, err := bench.KNN(bench.KNNOptions{Train: s.Full, Test: s.Test.Slice(0, queries), Classes: s.NumClasses(), K: k, Weights: w})
			if err != nil {
				return err
			}
			if savePred != "" {
				if err := codes.WriteLabels(savePred, r.Predictions); err != nil {
					return err
				}
			}
			if asJSON {
				return printJSON(cmd, r)
			}
			bench.WriteKNN(cmd.OutOrStdout(), r)
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&queries, "queries", 10000, "test images to classify")
	f.IntVar(&k, "k", 5, "neighbours")
	f.StringVar(&weights, "weights", "uniform", "uniform or distance")
	f.StringVar(&savePred, "save-pred", "", "write the predictions to this .npy file")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// printJSON writes v, indented, to the command's output.
func printJSON(cmd *cobra.Command, v any) error {
	enc := json.NewEncoder(cmd.OutOrStdout())
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
