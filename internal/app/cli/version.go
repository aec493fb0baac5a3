package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

// NewVersionCommand prints hourglass's version and those of its main parts.
func NewVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of hourglass and of the libraries it is built with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "hourglass %s\n", Version)
			fmt.Fprintf(out, "go %s %s/%s, %d cores\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
			for _, dep := range Dependencies() {
				fmt.Fprintf(out, "%s %s\n", dep[0], dep[1])
			}
			return nil
		},
	}
}

// Dependencies lists the versions of the main libraries built in.
func Dependencies() [][2]string {
	want := []string{"github.com/gomlx/gomlx", "gonum.org/v1/gonum", "github.com/sjwhitworth/golearn",
		"github.com/spf13/viper", "github.com/spf13/cobra"}
	info, ok := debug.ReadBuildInfo()
	var out [][2]string
	for _, w := range want {
		if !ok {
			break
		}
		for _, d := range info.Deps {
			if d.Path == w {
				out = append(out, [2]string{w, d.Version})
			}
		}
	}
	return out
}
