//go:build serveonly

package main

import "github.com/spf13/cobra"

// subcommands returns serve alone: the build the edit loop of make dev runs
// (serverFlags in devloop/build.go). Its serve is the same code as the full CLI's, linked
// without the other commands and what only they import (the image writer,
// the loader, the cost model, the OpenAPI generator), which makes the
// rebuild after an edit shorter.
func subcommands() []*cobra.Command {
	return []*cobra.Command{newServeCmd()}
}
