package bench

import (
	"fmt"
	"os/exec"
	"strings"

	"github.com/hourglass-ml/hourglass/model"
)

// PeerResult is one PyTorch timing of the same model
// (scripts/peers/torch_autoencoder.py bench).
type PeerResult struct {
	BatchSize          int     `json:"batch_size"`
	MsPerStep          float64 `json:"ms_per_step"`
	TrainImagesPerSec  float64 `json:"train_images_per_sec"`
	EncodeImagesPerSec float64 `json:"encode_images_per_sec"`
}

// TorchAvailable says whether python3 imports torch; when not, the reason.
func TorchAvailable(python string) (string, bool) {
	out, err := exec.Command(python, "-c", "import torch; print(torch.__version__)").CombinedOutput()
	if err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return fmt.Sprintf("%s cannot import torch (%s)", python, strings.TrimSpace(lines[len(lines)-1])), false
	}
	return "PyTorch " + strings.TrimSpace(string(out)), true
}

// RunTorch times the PyTorch peer script at one batch size, building the
// same architecture as spec; the peer's parameter count must be params
// (hourglass's for the same spec), or it built another model.
func RunTorch(python, script string, spec model.Spec, params, batch, steps int, data string) (PeerResult, error) {
	if spec.IsVAE() {
		return PeerResult{}, fmt.Errorf("the PyTorch peer times the autoencoder only")
	}
	cmd := exec.Command(python, script, "bench", "--batch", fmt.Sprint(batch), "--steps", fmt.Sprint(steps),
		"--input", fmt.Sprintf("%d,%d,%d", spec.Input[0], spec.Input[1], spec.Input[2]),
		"--filters", strings.Trim(strings.Join(strings.Fields(fmt.Sprint(spec.Filters)), ","), "[]"), "--code", fmt.Sprint(spec.Code), "--data", data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return PeerResult{}, fmt.Errorf("%s %s: %w\n%s", python, script, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var got int
	if _, err := fmt.Sscanf(lines[0], "parameters %d", &got); err != nil || got != params {
		return PeerResult{}, fmt.Errorf("the PyTorch peer built a model of %q, hourglass's has %d parameters: not the same architecture", lines[0], params)
	}
	return ParseTorch(lines[len(lines)-1])
}

// ParseTorch reads the peer's summary line,
// "torch batch B ms/step M train img/s T encode img/s E data D" (the data
// word, random or real, is the peer's echo of --data).
func ParseTorch(line string) (PeerResult, error) {
	var r PeerResult
	if _, err := fmt.Sscanf(line, "torch batch %d ms/step %g train img/s %g encode img/s %g",
		&r.BatchSize, &r.MsPerStep, &r.TrainImagesPerSec, &r.EncodeImagesPerSec); err != nil {
		return r, fmt.Errorf("PyTorch peer printed %q, not \"torch batch B ms/step M train img/s T encode img/s E\": %w", line, err)
	}
	return r, nil
}
