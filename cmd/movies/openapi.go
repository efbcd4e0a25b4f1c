//go:build !serveonly

package main

import (
	"fmt"

	"github.com/movieskit/movies/api/openapi"
	"github.com/movieskit/movies/deploy"
	"github.com/spf13/cobra"
)

func newOpenAPICmd() *cobra.Command {
	var corsText string
	cmd := &cobra.Command{
		Use:   "openapi",
		Short: "Print the API's OpenAPI 3.1 document",
		Long: `Print the API's OpenAPI 3.1 document as JSON: the routes, their parameters with
their limits, the response bodies and headers, and every status the gateway
sends. docs/openapi.json is this output, for the API without CORS; with
--cors, the document also has the CORS headers and the preflight (OPTIONS)
that API Gateway answers for that configuration. Exit code 2 on arguments
or flags it does not take, or a bad --cors.`,
		Example: `  movies openapi > docs/openapi.json
  movies openapi --cors '{"allowOrigins":["http://localhost:3000"],"allowMethods":["GET"]}'`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return withExitCode(2, fmt.Errorf("movies openapi takes no arguments, got %q", args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			var cors deploy.CORS
			if corsText != "" {
				var err error
				if cors, err = deploy.ParseCORS(corsText); err != nil {
					return withExitCode(2, fmt.Errorf("--cors: %w", err))
				}
			}
			doc, err := openapi.JSON(cors)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(doc)
			return err
		},
	}
	cmd.Flags().StringVar(&corsText, "cors", "", "the CORS configuration, the JSON text of movies serve --cors (default: none, as docs/openapi.json)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withExitCode(2, err) })
	return cmd
}
