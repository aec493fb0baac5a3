package layout

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hourglass-ml/hourglass/internal/base/outdir"
)

// Stage names, which are also the names of their folders (compare writes
// into report/).
const (
	Pretrain = "pretrain"
	Finetune = "finetune"
	Reduce   = "reduce"
	Generate = "generate"
	Compare  = "compare"
)

// Files every stage folder holds.
const (
	ConfigFile = "config.yaml"   // the effective configuration the stage ran with
	DoneFile   = ".done"         // the pipeline's record of a finished stage
	LockFile   = outdir.LockFile // locked (flock) while a process writes the folder
)

// Run is one experiment's output folder.
type Run struct{ Root string }

// At returns the layout of the output folder root.
func At(root string) Run { return Run{Root: root} }

// StageDir is the folder a stage writes into.
func (r Run) StageDir(stage string) string {
	if stage == Compare {
		return filepath.Join(r.Root, "report")
	}
	return filepath.Join(r.Root, stage)
}

// Config is the stage's saved configuration.
func (r Run) Config(stage string) string { return filepath.Join(r.StageDir(stage), ConfigFile) }

// Done is the stage's completion record.
func (r Run) Done(stage string) string { return filepath.Join(r.StageDir(stage), DoneFile) }

// Rel returns path relative to the output folder (for links in reports).
func (r Run) Rel(path string) string {
	rel, err := filepath.Rel(r.Root, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

func (r Run) in(stage, name string) string { return filepath.Join(r.StageDir(stage), name) }

// Pretraining's files.

// Checkpoint folder names inside the pretrain folder, and the state file
// each holds.
const (
	LastCheckpointName = "checkpoint-last"
	BestCheckpointName = "checkpoint-best"
	StateFile          = "state.json"
	SpecFile           = "model.json" // a model checkpoint's architecture (model.Spec)
)

func (r Run) LastCheckpoint() string  { return r.in(Pretrain, LastCheckpointName) }
func (r Run) BestCheckpoint() string  { return r.in(Pretrain, BestCheckpointName) }
func (r Run) MetricsCSV() string      { return r.in(Pretrain, "metrics.csv") }
func (r Run) MetricsJSON() string     { return r.in(Pretrain, "metrics.json") }
func (r Run) LossPlot() string        { return r.in(Pretrain, "loss.png") }
func (r Run) Reconstructions() string { return r.in(Pretrain, "reconstructions.png") }
func (r Run) PretrainSummary() string { return r.in(Pretrain, "summary.json") }

// ModelCheckpoint is the checkpoint every later stage takes the trained
// model from: checkpoint-last. When early stopping is on, pretraining
// restores the best epoch's weights before it writes that checkpoint for
// the last time, so it holds the best weights; checkpoint-best exists to
// resume from.
func (r Run) ModelCheckpoint() string { return r.LastCheckpoint() }

// FindModelCheckpoint returns ModelCheckpoint, or an error saying how to
// make one.
func (r Run) FindModelCheckpoint() (string, error) {
	p := r.ModelCheckpoint()
	if _, ok := CheckpointPath(p); !ok {
		return "", fmt.Errorf("no pretrained model in %s: run `hourglass pretrain` with this config first (or `hourglass run`)", r.StageDir(Pretrain))
	}
	return p, nil
}

// CheckpointPath returns dir, or dir.old when a save was cut between its
// two renames, whichever holds a checkpoint state file.
func CheckpointPath(dir string) (string, bool) {
	for _, d := range []string{dir, dir + ".old"} {
		if _, err := os.Stat(filepath.Join(d, StateFile)); err == nil {
			return d, true
		}
	}
	return "", false
}

// ResolveCheckpoint accepts what a user may point at — a checkpoint folder,
// a pretrain folder or a whole output folder — and returns the checkpoint
// folder the model is read from.
func ResolveCheckpoint(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s is not a folder; want an experiment's output folder (runs/<name>), its pretrain folder or a checkpoint folder", path)
	}
	candidates := []string{
		path,                                    // a checkpoint itself
		filepath.Join(path, LastCheckpointName), // a pretrain folder
		At(path).ModelCheckpoint(),              // an output folder
	}
	for _, c := range candidates {
		if p, ok := CheckpointPath(c); ok {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s holds no hourglass checkpoint (run `hourglass pretrain` first, then point at runs/<name>, its pretrain folder or a checkpoint folder)", path)
}

// Transfer learning's files.

func (r Run) FinetuneResultsJSON() string { return r.in(Finetune, "results.json") }
func (r Run) FinetuneResultsCSV() string  { return r.in(Finetune, "results.csv") }
func (r Run) FinetuneSummary() string     { return r.in(Finetune, "summary.md") }
func (r Run) FinetuneSubsets() string     { return r.in(Finetune, "subsets.json") }
func (r Run) EfficiencyPlot() string      { return r.in(Finetune, "label_efficiency.png") }
func (r Run) ConfusionPlot() string       { return r.in(Finetune, "confusion_best.png") }
func (r Run) BlocksPlot() string          { return r.in(Finetune, "blocks.png") }

// Reduction's files.

// Split names the two sets codes are written for.
type Split string

const (
	TrainSplit Split = "train"
	TestSplit  Split = "test"
)

func (r Run) ReduceJSON() string            { return r.in(Reduce, "reduce.json") }
func (r Run) ExplainedVariancePlot() string { return r.in(Reduce, "explained_variance.png") }
func (r Run) Labels(s Split) string         { return r.in(Reduce, string(s)+"_labels.npy") }
func (r Run) Codes(s Split, rep string) string {
	return r.in(Reduce, string(s)+"_"+rep+".npy")
}

// Generation's files.

func (r Run) Samples() string               { return r.in(Generate, "samples.png") }
func (r Run) Interpolations() string        { return r.in(Generate, "interpolations.png") }
func (r Run) Traversals() string            { return r.in(Generate, "traversals.png") }
func (r Run) AutoencoderSamples() string    { return r.in(Generate, "autoencoder_samples.png") }
func (r Run) GenerateJSON() string          { return r.in(Generate, "generate.json") }
func (r Run) FeatureClassifier() string     { return r.in(Generate, "classifier") }
func (r Run) FeatureClassifierJSON() string { return r.in(Generate, "classifier.json") }

// The comparison's files.

func (r Run) ReportMarkdown() string        { return filepath.Join(r.Root, "report.md") }
func (r Run) ReportHTML() string            { return filepath.Join(r.Root, "report.html") }
func (r Run) ResultsJSON() string           { return filepath.Join(r.Root, "results.json") }
func (r Run) ReportPlot(name string) string { return r.in(Compare, name+".png") }
