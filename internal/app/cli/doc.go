// Package cli holds hourglass's cobra commands. Each command is built by a
// NewXCommand constructor, does its work in RunE through the library
// packages, and writes to cmd.OutOrStdout() (progress to cmd.ErrOrStderr()).
package cli
