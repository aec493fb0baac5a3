// Package layout is the one place that knows every path and file name of an
// experiment's output folder, including which pretrain checkpoint the later
// stages use. Stage packages ask it for paths and never spell another
// stage's file names.
//
//	<output_dir>/
//	  pretrain/   checkpoint-last/ checkpoint-best/ config.yaml metrics.csv metrics.json
//	              loss.png reconstructions.png summary.json .done .lock
//	  finetune/   results.csv results.json summary.md label_efficiency.png
//	              confusion_best.png config.yaml .done .lock
//	  reduce/     train_/test_<representation>.npy train_/test_labels.npy
//	              explained_variance.png reduce.json config.yaml .done .lock
//	  generate/   samples.png interpolations.png traversals.png
//	              autoencoder_samples.png generate.json classifier/
//	              classifier.json config.yaml .done .lock
//	  report/     the comparison's plots, config.yaml .done .lock
//	  report.md  report.html  results.json
package layout
