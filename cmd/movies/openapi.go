package main

import (
	"fmt"

	"github.com/movieskit/movies/api/openapi"
	"github.com/spf13/cobra"
)

func newOpenAPICmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "openapi",
		Short: "Print the API's OpenAPI 3.1 document",
		Long: `Print the API's OpenAPI 3.1 document as JSON: the routes, their parameters with
their limits, the response bodies and every status. docs/openapi.json is this
output. Exit code 2 on arguments or flags it does not take.`,
		Example: "  movies openapi > docs/openapi.json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return withExitCode(2, fmt.Errorf("movies openapi takes no arguments, got %q", args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			doc, err := openapi.JSON()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(doc)
			return err
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withExitCode(2, err) })
	return cmd
}
