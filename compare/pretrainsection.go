package compare

import (
	"fmt"
	"strings"

	"github.com/hourglass-ml/hourglass/internal/experiment/layout"
	"github.com/hourglass-ml/hourglass/internal/experiment/results"
)

// isVAE is whether the pretrained model was a VAE (summaries written
// before the model was recorded are the autoencoder's).
func isVAE(p *results.Pretraining) bool { return p.Model == "vae" }

// pretrainSection describes the model that ran, its loss and the loss's
// unit: the autoencoder's per-pixel mean squared error, or the VAE's
// negative ELBO in nats per image with its reconstruction and KL parts.
func pretrainSection(r *results.Comparison, run layout.Run, figAlt func(path, caption, alt string) []block) section {
	p := r.Pretrain
	how := fmt.Sprintf("trained %s at batch %d, learning rate %g (%s schedule), in %.0fs", plural(p.Epochs, "epoch"), p.BatchSize, p.LearningRate, p.Schedule, p.WallSeconds)
	var b []block
	if p.From != "" { // pretrain.from
		b = append(b, para(fromSentence(p)))
	}
	if !isVAE(p) {
		b = append(b, para(fmt.Sprintf("The autoencoder (%d parameters) %s: final train loss %.5f, validation loss %.5f (best %.5f at epoch %d), test MSE %.5f; the loss is the mean squared error per pixel.",
			p.Parameters, how, p.FinalTrain, p.FinalVal, p.BestVal, p.BestEpoch, p.TestMSE)))
		b = append(b, figAlt(run.LossPlot(), "Train and validation loss (per-pixel MSE) per epoch",
			fmt.Sprintf("Line chart of train and validation loss over %d epochs, ending at %.5f and %.5f", p.Epochs, p.FinalTrain, p.FinalVal))...)
		b = append(b, figAlt(run.Reconstructions(), "The first test images above their reconstructions, then the worst-reconstructed test images; each image's MSE under it",
			"Grid of test images and their reconstructions with per-image errors")...)
		return section{"Pretraining", b}
	}
	b = append(b, para(fmt.Sprintf("The VAE (%d parameters, %d latent values) %s: final train loss %.2f, validation loss %.2f (best %.2f at epoch %d). "+
		"The loss is the negative ELBO in nats per image: the reconstruction term plus the KL divergence of the posterior from the prior N(0, I)%s.",
		p.Parameters, p.Latent, how, p.FinalTrain, p.FinalVal, p.BestVal, p.BestEpoch, klWeightNote(r.PretrainHistory))))
	b = append(b, para(fmt.Sprintf("On the test images the negative ELBO is %.2f nats per image (reconstruction %.2f + KL %.2f, one posterior sample each); "+
		"the images decoded from the posterior means have a test MSE of %.5f per pixel.", p.TestLoss, p.TestRecon, p.TestKL, p.TestMSE)))
	b = append(b, figAlt(run.LossPlot(), "Train and validation loss (negative ELBO, nats per image) per epoch, with the validation loss's reconstruction and KL parts",
		fmt.Sprintf("Line chart of the VAE's train and validation negative ELBO over %d epochs, ending at %.2f and %.2f nats per image", p.Epochs, p.FinalTrain, p.FinalVal))...)
	b = append(b, figAlt(run.Reconstructions(), "The first test images above their reconstructions decoded from the posterior means, then the worst-reconstructed test images; each image's per-pixel MSE under it",
		"Grid of test images and the VAE's reconstructions from their posterior means with per-image errors")...)
	return section{"Pretraining", b}
}

// klWeightNote says how the train loss weighed the KL term where it was
// not the ELBO's weight of 1 (pretrain.beta, or a pretrain.kl_warmup not
// yet over); the validation and test losses always weigh it by 1.
func klWeightNote(h []results.EpochMetrics) string {
	if len(h) == 0 {
		return ""
	}
	w := h[len(h)-1].KLWeight
	if w == 1 || w == 0 {
		return ""
	}
	return fmt.Sprintf("; the train loss weighs the KL term by %g (its weight at the last epoch's end), the validation and test losses by 1", w)
}

// pretrainSummary is the summary's sentence on the pretrained model.
func pretrainSummary(p *results.Pretraining) string {
	trained := "trained " + plural(p.Epochs, "epoch") + " to"
	switch {
	case p.From != "" && p.Epochs == 0:
		trained = ", taken as it is from " + p.From + ", reaches"
	case p.From != "":
		trained = fmt.Sprintf(", trained %s more from %s, reaches", plural(p.Epochs, "epoch"), p.From)
	}
	if !isVAE(p) {
		return fmt.Sprintf("The autoencoder%s a test reconstruction MSE of %.5f.", lead(trained), p.TestMSE)
	}
	return fmt.Sprintf("The VAE (%d latent values)%s a test negative ELBO of %.2f nats per image (reconstruction %.2f + KL %.2f); "+
		"decoded from their posterior means, the test images' reconstruction MSE is %.5f per pixel.", p.Latent, lead(trained), p.TestLoss, p.TestRecon, p.TestKL, p.TestMSE)
}

// fromSentence says where the weights pretraining started from came from
// (pretrain.from): the model, how long and on what it was trained there,
// and what this experiment did with it.
func fromSentence(p *results.Pretraining) string {
	var there []string
	if p.FromEpochs > 0 {
		there = append(there, plural(p.FromEpochs, "epoch"))
	}
	if p.FromData != "" {
		there = append(there, "on "+p.FromData)
	}
	where := p.From
	if len(there) > 0 {
		where += " (trained " + strings.Join(there, " ") + " there)"
	}
	if p.Epochs == 0 {
		return fmt.Sprintf("The encoder is the model of %s, taken as it is (pretrain.epochs 0): nothing was trained on this experiment's images.", where)
	}
	return fmt.Sprintf("Started from the weights of %s, not random ones, then trained %s here.", where, plural(p.Epochs, "epoch"))
}

// lead puts a space before a clause that does not open with a comma.
func lead(s string) string {
	if strings.HasPrefix(s, ",") {
		return s
	}
	return " " + s
}
