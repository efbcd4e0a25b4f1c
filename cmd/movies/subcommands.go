//go:build !serveonly

package main

import "github.com/spf13/cobra"

// subcommands returns the CLI's commands. A build with the serveonly tag
// (subcommands_serveonly.go) holds serve alone.
func subcommands() []*cobra.Command {
	return []*cobra.Command{
		newServeCmd(),
		newLoadCmd(),
		newTableCmd(),
		newEventCmd(),
		newInvokeCmd(),
		newImageCmd(),
		newCostCmd(),
		newOpenAPICmd(),
	}
}
