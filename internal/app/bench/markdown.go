package bench

import (
	"fmt"
	"io"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/base/atomicfile"
)

// Report is what a benchmarks document holds: where it was measured, the
// training and encoding figures per batch size, PyTorch's beside them
// when measured, and the exact kNN search.
type Report struct {
	Machine Machine
	Command string // the command line that measured it
	// LoadBefore and LoadAfter are the one-minute load averages before
	// and after measuring (LoadAverage).
	LoadBefore, LoadAfter string
	Notes                 []string // said under the header, e.g. that the machine was shared
	Training              []Result // every variant at every batch size
	// Peer holds PyTorch's figures by batch size; PeerNote says which
	// PyTorch, or why it was not measured.
	Peer     map[int]PeerResult
	PeerNote string
	KNN      *KNNResult // nil: not measured
}

// WriteMarkdownFile writes the report to path atomically.
func WriteMarkdownFile(path string, r Report) error {
	return atomicfile.Write(path, func(w io.Writer) error { return WriteMarkdown(w, r) })
}

// WriteMarkdown writes the report as a Markdown document.
func WriteMarkdown(w io.Writer, r Report) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "# Benchmarks\n\n")
	fmt.Fprintf(&b, "Written by `%s`; rerun it to refresh these figures rather than editing them.\n\n", r.Command)
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| commit | %s |\n", m.Commit)
	fmt.Fprintf(&b, "| CPU | %s |\n", m.CPU)
	fmt.Fprintf(&b, "| cores | %d |\n", m.Cores)
	fmt.Fprintf(&b, "| Go | %s |\n", m.GoVersion)
	fmt.Fprintf(&b, "| date | %s |\n", m.Date.Format("2006-01-02 15:04 MST"))
	if r.LoadBefore != "" {
		fmt.Fprintf(&b, "| load average (1 min), before / after | %s / %s |\n", r.LoadBefore, r.LoadAfter)
	}
	if len(r.Training) > 0 {
		t := r.Training[0]
		fmt.Fprintf(&b, "| backend | %s (kernels: %s) |\n", t.Backend, t.Kernels)
		fmt.Fprintf(&b, "| data | %s |\n", t.Data)
	}
	b.WriteString("\n")
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "%s\n\n", n)
	}
	if len(r.Training) > 0 {
		t := r.Training[0]
		fmt.Fprintf(&b, "## Training and encoding\n\n")
		fmt.Fprintf(&b, "The autoencoder's training step (forward, gradients, Adam) timed over %d steps after untimed ones that compile the graphs; encoding timed over whole batches; peak RSS is the process's resident high-water mark during the variant.\n\n", t.Steps)
		fmt.Fprintf(&b, "| batch | variant | kernels | ms per training step | training images/s | encoded images/s | peak RSS (MiB) | GFLOP a step | GFLOP/s | the kernel alone, GFLOP/s | of the kernel's peak |\n")
		fmt.Fprintf(&b, "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		peak := false
		for _, x := range r.Training {
			kernel, ofPeak := "-", "-"
			if x.KernelPeakGFLOPs > 0 {
				kernel, ofPeak = fmt.Sprintf("%.1f", x.KernelPeakGFLOPs), fmt.Sprintf("%.0f%%", 100*x.GFLOPs/x.KernelPeakGFLOPs)
				peak = true
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %.1f | %.0f | %.0f | %.0f | %.3g | %.1f | %s | %s |\n",
				x.BatchSize, x.Variant, x.Kernels, x.MsPerStep, x.TrainImagesPerSec, x.EncodeImagesPerSec, x.PeakRSSMiB, x.UsefulGFLOP, x.GFLOPs, kernel, ofPeak)
		}
		b.WriteString("\n")
		fmt.Fprintf(&b, "GFLOP a step counts the products of the forward and backward passes from the layer shapes (model.TrainingFLOPs times the batch; a transposed convolution's inserted zeros not counted); GFLOP/s is that over the step's time")
		if peak {
			fmt.Fprintf(&b, ", beside hourglass's matrix kernel alone (%d x 512 by 512 x %d products, one per core), timed in up to %d bursts of %d ms between each row's timed steps", kernelRows, kernelCols, kernelBursts, kernelBurst.Milliseconds())
		}
		b.WriteString(".\n\n")
		writePeer(&b, r)
	}
	if k := r.KNN; k != nil {
		fmt.Fprintf(&b, "## Exact kNN search\n\n")
		fmt.Fprintf(&b, "Raw pixels: every query among all the training images, k = %d, on hourglass's matrix kernel (AVX-512: %v); GFLOP/s counts 2 x queries x rows x values, beside the kernel's own rate on the search's product shape.\n\n", k.K, k.AVX512)
		fmt.Fprintf(&b, "| queries | training rows | values | seconds | index (s) | search (s) | GFLOP/s | kernel GFLOP/s | accuracy | peak RSS (MiB) |\n")
		fmt.Fprintf(&b, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(&b, "| %d | %d | %d | %.2f | %.2f | %.2f | %.0f | %.0f | %.2f%% | %.0f |\n\n",
			k.Queries, k.TrainRows, k.Dim, k.Seconds, k.IndexSeconds, k.SearchSeconds, k.GFLOPs, k.KernelGFLOPs, 100*k.Accuracy, k.PeakRSSMiB)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writePeer writes PyTorch's figures beside hourglass's at each batch
// size, or why they were not measured.
func writePeer(b *strings.Builder, r Report) {
	fmt.Fprintf(b, "## PyTorch side by side\n\n")
	if len(r.Peer) == 0 {
		fmt.Fprintf(b, "Not measured: %s. The PyTorch peer (`scripts/peers/torch_autoencoder.py`) is optional; with python3 and torch installed, the same command times it at each batch size right after hourglass.\n\n", r.PeerNote)
		return
	}
	fmt.Fprintf(b, "%s, the same model, timed at each batch size right after hourglass (`scripts/peers/torch_autoencoder.py bench`).\n\n", r.PeerNote)
	fmt.Fprintf(b, "| batch | hourglass ms per step | PyTorch ms per step | hourglass / PyTorch | encoded images/s, hourglass / PyTorch |\n")
	fmt.Fprintf(b, "|---:|---:|---:|---:|---|\n")
	for _, x := range r.Training {
		p, ok := r.Peer[x.BatchSize]
		if !ok || x.Variant != "hourglass" {
			continue
		}
		fmt.Fprintf(b, "| %d | %.1f | %.1f | %.2fx | %.0f / %.0f |\n",
			x.BatchSize, x.MsPerStep, p.MsPerStep, x.MsPerStep/p.MsPerStep, x.EncodeImagesPerSec, p.EncodeImagesPerSec)
	}
	b.WriteString("\n")
}
