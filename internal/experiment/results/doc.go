// Package results defines, once, what every stage writes for the others
// and for people to read: pretraining's summary and curves, the transfer
// runs, the written representations and the comparison (results.json),
// with typed names for representations. Stages write these types; the
// report and any other program read them back with the Read functions.
package results
