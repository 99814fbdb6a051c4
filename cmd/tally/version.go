package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tally-dev/tally/pipeline/buildinfo"
)

// versionCmd prints the build information of this binary. It reads no
// configuration, so it works anywhere.
func versionCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, VCS revision and time, and Go version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := buildinfo.Read()
			if asJSON {
				return writeJSON(g.stdout, in)
			}
			_, err := fmt.Fprint(g.stdout, in.String())
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
