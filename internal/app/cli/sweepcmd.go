package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hourglass-ml/hourglass/internal/app/pipeline"
	"github.com/hourglass-ml/hourglass/internal/experiment/config"
)

// sweepFlags are hourglass sweep's own flags.
type sweepFlags struct {
	list    bool
	gather  bool
	variant int
	maxRuns int
}

// NewSweepCommand runs a grid of variants of an experiment and writes the
// sweep report.
func NewSweepCommand(g *globalFlags) *cobra.Command {
	f := &sweepFlags{}
	c := &cobra.Command{
		Use:   "sweep EXPERIMENT.yaml",
		Short: "Run every variant of an experiment's sweep section, then write sweep.md, sweep.html, sweep.json and sweep.csv",
		Long: `sweep runs one full experiment per combination of the values in the
file's sweep.grid (keys sorted, the last fastest) and per seed of
sweep.seeds (seed, seed+1, ...), one after another, each in
<output_dir>/<run>/, a folder named by its values
(compare.k=5,pretrain.epochs=20,seed=1). Every run's configuration is
checked before the first starts. A stage another run has already finished
with the same settings and inputs is copied from it, not computed again
(the log says "reused from"). Stopping and rerunning skips the runs that
finished and resumes the interrupted one. A run that fails is recorded and
the sweep goes on; the command exits non-zero at the end if any failed.

At the end it writes <output_dir>/sweep.md, sweep.html (with a plot per
swept key of each figure against its values), sweep.json and sweep.csv:
one row per run, and per variant the mean and 95% interval over seeds of
the test reconstruction MSE, the kNN accuracy of every representation, the
transfer accuracy of every method and label count, and each stage's time;
the best variant of each figure, tested against the runner-up.

To spread a sweep over machines sharing the output folder: --list prints
one command per run, --variant N runs run N alone, and --gather writes the
report from the runs that finished, saying which are missing. Two runs
that need the same stage at once take turns: one computes it, the other
waits (saying so) and reuses it.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if g.configFile != "" && g.configFile != args[0] {
					return fmt.Errorf("two experiments given: %s and --config %s", args[0], g.configFile)
				}
				g.configFile = args[0]
			}
			if g.configFile == "" {
				return fmt.Errorf("sweep needs an experiment file with a sweep section: hourglass sweep FILE")
			}
			if f.list && f.gather || f.list && f.variant >= 0 || f.gather && f.variant >= 0 {
				return fmt.Errorf("--list, --gather and --variant are one each: give one of them")
			}
			plan, err := config.LoadSweep(config.Options{File: g.configFile, Sets: g.sets, LookupEnv: g.lookupEnv}, f.maxRuns)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			switch {
			case f.list:
				var flags []string
				for _, s := range g.sets {
					flags = append(flags, "--set", s)
				}
				if f.maxRuns > 0 {
					flags = append(flags, "--max-runs", strconv.Itoa(f.maxRuns))
				}
				for _, line := range pipeline.ListCommands(plan, g.configFile, flags) {
					fmt.Fprintln(out, line)
				}
				return nil
			case f.gather:
				rep, err := pipeline.Gather(plan)
				if err != nil {
					return err
				}
				if err := rep.Write(plan.Dir()); err != nil {
					return err
				}
				printGathered(out, rep, plan.Dir())
				return nil
			}
			return runSweep(cmd, g, plan, f.variant)
		},
	}
	c.Flags().BoolVar(&f.list, "list", false, "print one command per run (hourglass sweep FILE --variant N), for a job array or GNU parallel")
	c.Flags().IntVar(&f.variant, "variant", -1, "run only run N (0-based, as --list numbers them); writes no sweep report")
	c.Flags().BoolVar(&f.gather, "gather", false, "write the sweep report from the runs that finished, saying which are missing; runs nothing")
	c.Flags().IntVar(&f.maxRuns, "max-runs", 0, fmt.Sprintf("the most runs the sweep may have (default %d)", config.DefaultMaxRuns))
	return c
}

// runSweep runs plan's runs (only when >= 0: that run alone) and prints
// what happened to each.
func runSweep(cmd *cobra.Command, g *globalFlags, plan *config.Plan, only int) error {
	outs, err := pipeline.Sweep(cmd.Context(), plan, pipeline.SweepOptions{Only: only, Env: g.env(cmd)})
	out := cmd.OutOrStdout()
	for _, o := range outs {
		var ran, reused, skipped []string
		for _, r := range o.Results {
			switch {
			case r.ReusedFrom != "":
				reused = append(reused, r.Stage)
			case r.Skipped:
				skipped = append(skipped, r.Stage)
			default:
				ran = append(ran, fmt.Sprintf("%s %.0fs", r.Stage, r.Seconds))
			}
		}
		status := "done"
		if o.Err != nil {
			status = "FAILED: " + o.Err.Error()
		}
		fmt.Fprintf(out, "run %d %s: %s (ran: %s; reused: %s; up to date: %s)\n", o.Run.Index, o.Run.Name, status,
			orNone(ran), orNone(reused), orNone(skipped))
	}
	if only < 0 && (err == nil || len(outs) == len(plan.Runs)) {
		fmt.Fprintf(out, "sweep report: %s (and %s, %s, %s)\n", filepath.Join(plan.Dir(), pipeline.SweepMarkdown), pipeline.SweepHTML, pipeline.SweepJSON, pipeline.SweepCSV)
	}
	return err
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// printGathered says what --gather found.
func printGathered(out io.Writer, rep *pipeline.SweepReport, dir string) {
	var missing, failed []string
	done := 0
	for _, r := range rep.Runs {
		switch r.Status {
		case pipeline.StatusDone:
			done++
		case pipeline.StatusFailed:
			failed = append(failed, fmt.Sprintf("%d (%s)", r.Index, r.Name))
		default:
			missing = append(missing, fmt.Sprintf("%d (%s)", r.Index, r.Name))
		}
	}
	fmt.Fprintf(out, "%d of %d runs done\n", done, len(rep.Runs))
	if len(failed) > 0 {
		fmt.Fprintf(out, "failed: %s\n", strings.Join(failed, ", "))
	}
	if len(missing) > 0 {
		fmt.Fprintf(out, "missing (not run yet or interrupted): %s\n", strings.Join(missing, ", "))
	}
	fmt.Fprintf(out, "sweep report: %s\n", filepath.Join(dir, pipeline.SweepMarkdown))
}
