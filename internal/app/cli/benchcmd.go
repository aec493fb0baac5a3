package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hourglass-ml/hourglass/backend"
	"github.com/hourglass-ml/hourglass/internal/app/bench"
	"github.com/hourglass-ml/hourglass/internal/experiment/codes"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
	"github.com/hourglass-ml/hourglass/internal/experiment/data"
	"github.com/hourglass-ml/hourglass/knn"

	"github.com/hourglass-ml/hourglass/model"
)

// NewBenchCommand times training and encoding.
func NewBenchCommand(g *globalFlags) *cobra.Command {
	var (
		steps, warmup, batch, encode int
		profileRows                  int
		batches                      []int
		source                       string
		stock, simple, asJSON        bool
		doc                          docFlags
	)
	c := &cobra.Command{
		Use:   "bench",
		Short: "Time training steps and encoding on the configured backend",
		Long: `bench trains the configured model (the paper's autoencoder by default; the
model keys set others: --set model.input=[32,32,3] --set
model.filters=[32,64,128]) for --steps steps (after --warmup untimed ones that
compile the graphs) and encodes --encode batches, then prints milliseconds per
training step, training and encoding images per second, peak memory, and
the step's products (forward and backward, counted from the layer shapes,
a transposed convolution's inserted zeros not counted) in GFLOP with the
rate the step reached on them, beside the matrix kernel's own rate (256 x
512 by 512 x 1024 products, one per core), timed in bursts of a quarter
second before each quarter of the timed steps (before each step when there
are fewer than four), so that both meet the same load from other programs.
--profile N then runs as many steps again with every step of the graph
timed (the timed figures above carry none of its cost) and prints the N
that took longest: each kind of step (a convolution, a product, pooling, a
fused element-wise step, a layout move, a simplego stage) with its shapes,
its milliseconds and share of a training step, its calls a step and the
cores it kept busy (the process's CPU time over the wall time, less what
helper goroutines spent checking for work; the system's CPU clock is
coarse, so short steps can read above the cores there are); where to look
first when making a step faster.
--stock also times the unimproved GoMLX path (layers.Convolution, MaxPool and
GoMLX's own product gradients, with only the missing operations filled in) in
the same run and prints the ratio; --simplego-kernels times hourglass's model
with simplego's own kernels instead of hourglass's (backend option
kernels=simplego: im2col convolutions built from graph operations, simplego's
matrix products). Both comparison variants run on a backend with simplego's
kernels. The batch size defaults to pretrain.batch_size, the backend to the
config's backend; --batches times several batch sizes one after the other.

--markdown FILE also writes a benchmarks document (atomically): the commit,
the CPU model, the cores, the Go version and the date, then the figures
above, the exact kNN search of --knn-queries test images among the 60,000
training images (as bench knn; 0 leaves it out), and PyTorch's figures at
each batch size from --peer (scripts/peers/torch_autoencoder.py) when
python3 imports torch, or a line saying they were not measured. The
README's speed figures come from BENCHMARKS.md, written by
  hourglass bench --markdown BENCHMARKS.md --batches 32,128,512 --steps 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.load()
			if err != nil {
				return err
			}
			if len(batches) == 0 {
				if batch <= 0 {
					batch = cfg.Pretrain.BatchSize
				}
				batches = []int{batch}
			}
			if steps < 1 || warmup < 0 || encode < 0 || slices.Min(batches) < 1 {
				return fmt.Errorf("--steps and every batch size must be >= 1 and --warmup, --encode >= 0")
			}
			be, err := backend.New(cfg.Backend)
			if err != nil {
				return err
			}
			variants := []string{"hourglass"}
			if simple {
				variants = append(variants, "simplego-kernels")
			}
			if stock {
				variants = append(variants, "stock")
			}
			var real *data.Set
			if source == "real" {
				s, err := data.Prepare(cfg.Data, data.Shape(cfg.Spec().Input), cfg.Seed, g.lookupEnv)
				if err != nil {
					return err
				}
				real = s.Train
			} else if source != "random" {
				return fmt.Errorf("--data %q: use random or real", source)
			}
			doc.loadBefore = bench.LoadAverage()
			var peer *peerRun
			if doc.path != "" && doc.peer != "" {
				peer = newPeerRun(doc.python, doc.peer, cfg.Spec(), source)
			}
			var results []bench.Result
			for _, b := range batches {
				images := real
				if images == nil && cfg.Spec().Input == data.Grey28 {
					images = data.Synthetic(min(b*max(steps+warmup, encode, 1), 20*b), cfg.Seed)
				} else if images == nil {
					images = bench.RandomImages(data.Shape(cfg.Spec().Input), min(b*max(steps+warmup, encode, 1), 20*b), cfg.Seed)
				}
				o := bench.Options{Backend: be, BackendName: cfg.Backend, Spec: cfg.Spec(), Batch: b, Steps: steps, Warmup: warmup,
					EncodeBatches: encode, Images: images, DataName: source, Seed: cfg.Seed, Log: g.progressOut(cmd), Profile: profileRows != 0, KernelPeak: true}
				var rs []bench.Result
				for i, v := range variants {
					o.Variant, o.Stock = v, v == "stock"
					if i > 0 && backend.IsPureGo(be) {
						if o.Backend, err = backend.NewGo(backend.DefaultGoConfig + ",kernels=simplego"); err != nil {
							return err
						}
					}
					r, err := bench.Run(o)
					if err != nil {
						return err
					}
					rs = append(rs, r)
				}
				if peer != nil {
					peer.time(b, steps)
				}
				if !asJSON {
					bench.WriteTable(cmd.OutOrStdout(), rs)
					for _, r := range rs {
						bench.WriteProfile(cmd.OutOrStdout(), r, profileRows)
					}
				}
				results = append(results, rs...)
			}
			if doc.path != "" {
				if err := writeBenchDoc(cmd, g, doc, results, peer); err != nil {
					return err
				}
			}
			if asJSON {
				return printJSON(cmd, results)
			}
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&steps, "steps", 10, "timed training steps")
	f.IntVar(&warmup, "warmup", 2, "untimed training steps first (graph compilation)")
	f.IntVar(&batch, "batch", 0, "batch size (default: pretrain.batch_size)")
	f.IntSliceVar(&batches, "batches", nil, "several batch sizes, timed one after the other (e.g. 32,128,512); overrides --batch")
	f.IntVar(&encode, "encode", 10, "timed encoder batches")
	f.StringVar(&source, "data", "random", "images to use: random (synthetic) or real (Fashion-MNIST training split)")
	f.BoolVar(&stock, "stock", false, "also time the unimproved GoMLX path and print the ratio")
	f.BoolVar(&simple, "simplego-kernels", false, "also time the model on simplego's own kernels instead of hourglass's")
	f.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	f.IntVar(&profileRows, "profile", 0, "after the timed steps, time every step of the graph over as many more and print the N that took longest (-1: all; with --json, all go into the JSON)")
	f.StringVar(&doc.path, "markdown", "", "also write a benchmarks document (Markdown) to this file")
	f.IntVar(&doc.knnQueries, "knn-queries", 10000, "with --markdown: test images the exact kNN search classifies (0: leave it out)")
	f.StringVar(&doc.peer, "peer", "scripts/peers/torch_autoencoder.py", "with --markdown: the PyTorch peer script to time beside hourglass (empty: none)")
	f.StringVar(&doc.python, "python", defaultPython(), "with --markdown: the Python that runs --peer")
	f.StringArrayVar(&doc.notes, "note", nil, "with --markdown: a paragraph under the document's header (repeatable)")
	c.AddCommand(newBenchKNNCommand(g))
	return c
}

// docFlags are bench's --markdown options.
type docFlags struct {
	path, peer, python string
	knnQueries         int
	notes              []string
	loadBefore         string
}

// peerRun times the PyTorch peer beside hourglass, when python imports
// torch.
type peerRun struct {
	python, script string
	spec           model.Spec // the model both sides build
	data           string     // random or real: the images both sides train on
	note           string     // which PyTorch, or why none was timed
	ok             bool
	results        map[int]bench.PeerResult
}

func newPeerRun(python, script string, spec model.Spec, data string) *peerRun {
	p := &peerRun{python: python, script: script, spec: spec, data: data, results: map[int]bench.PeerResult{}}
	if _, err := os.Stat(script); err != nil {
		p.note = fmt.Sprintf("the peer script %s is not there (run from the repository root, or pass --peer)", script)
		return p
	}
	p.note, p.ok = bench.TorchAvailable(python)
	return p
}

// time runs the peer at one batch size; a failure ends the peer's timings
// and is said in the document.
func (p *peerRun) time(batch, steps int) {
	if !p.ok {
		return
	}
	layers, err := model.SummaryOf(p.spec)
	if err != nil {
		p.ok, p.note = false, err.Error()
		return
	}
	r, err := bench.RunTorch(p.python, p.script, p.spec, model.TotalParams(layers), batch, steps, p.data)
	if err != nil {
		p.ok, p.note, p.results = false, err.Error(), map[int]bench.PeerResult{}
		return
	}
	p.results[batch] = r
}

// writeBenchDoc times the kNN search if asked and writes the document.
func writeBenchDoc(cmd *cobra.Command, g *globalFlags, doc docFlags, results []bench.Result, peer *peerRun) error {
	rep := bench.Report{Machine: bench.DescribeMachine(), Command: commandLine(cmd),
		Notes: doc.notes, Training: results, PeerNote: "no --peer script given"}
	if peer != nil {
		rep.Peer, rep.PeerNote = peer.results, peer.note
	}
	if doc.knnQueries > 0 {
		cfg, err := g.load()
		if err != nil {
			return err
		}
		debug.FreeOSMemory() // the training runs' memory, so the search's peak is its own
		if err := bench.ResetPeakRSS(); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "bench: the search's peak RSS includes the training runs (%v)\n", err)
		}
		s, err := data.Prepare(config.Data{Dir: cfg.Data.Dir}, data.Grey28, cfg.Seed, g.lookupEnv)
		if err != nil {
			return err
		}
		if doc.knnQueries > s.Test.Len() {
			return fmt.Errorf("--knn-queries %d: from 0 to %d", doc.knnQueries, s.Test.Len())
		}
		r, err := bench.KNN(bench.KNNOptions{Train: s.Full, Test: s.Test.Slice(0, doc.knnQueries), Classes: s.NumClasses(), K: 5, Weights: knn.Uniform})
		if err != nil {
			return err
		}
		rep.KNN = &r
	}
	rep.LoadBefore, rep.LoadAfter = doc.loadBefore, bench.LoadAverage()
	if err := bench.WriteMarkdownFile(doc.path, rep); err != nil {
		return fmt.Errorf("--markdown %s: %w", doc.path, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "benchmarks written to %s\n", doc.path)
	return nil
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
			s, err := data.Prepare(config.Data{Dir: cfg.Data.Dir}, data.Grey28, cfg.Seed, g.lookupEnv)
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

// commandLine is the command as given, for the document to say how to
// measure again: its path and the flags set, but --note, whose paragraphs
// the document holds anyway.
func commandLine(cmd *cobra.Command) string {
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name == "note" {
			return
		}
		vals := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			vals = sv.GetSlice()
			if f.Value.Type() != "stringArray" {
				vals = []string{strings.Join(vals, ",")}
			}
		}
		for _, v := range vals {
			if f.Value.Type() == "bool" && v == "true" {
				parts = append(parts, "--"+f.Name)
				continue
			}
			if v == "" || strings.ContainsAny(v, " '\"$") {
				v = "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
			}
			parts = append(parts, "--"+f.Name, v)
		}
	})
	return strings.Join(parts, " ")
}

// defaultPython is Debian's /usr/bin/python3, which python3-torch serves,
// where it exists (a python3 first on the PATH may be another), else
// python3.
func defaultPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}
