//go:build !serveonly

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/movieskit/movies/api"
	"github.com/movieskit/movies/deploy"
	"github.com/movieskit/movies/gateway"
)

// eventOptions describe the HTTP request an event is made from.
type eventOptions struct {
	year    int      // list: optional year filter; get: the movie's year
	title   string   // get: the movie's title
	inQuery bool     // get: send the title as ?title= (GET /get/{year}?title=TITLE)
	query   string   // raw query string, e.g. "limit=5&year=2013"
	headers []string // extra request headers, "Name: value"
	host    string   // the Host the request was sent to
}

// Defaults of `movies event` and `movies invoke`.
const (
	defaultEventYear  = 2013
	defaultEventTitle = "Rush"
	defaultEventHost  = "127.0.0.1:8080"
)

// addEventFlags registers the flags that describe the request an event is made from.
func addEventFlags(cmd *cobra.Command, o *eventOptions) {
	f := cmd.Flags()
	f.IntVar(&o.year, "year", 0, "get: the movie's year (default 2013); list: list only this year")
	f.StringVar(&o.title, "title", "", "get: the movie's title, may contain '/' (default Rush)")
	f.BoolVar(&o.inQuery, "title-query", false, "get: send the title as ?title= (GET /get/{year}?title=TITLE), the form that carries any title")
	f.StringVar(&o.query, "query", "", "raw query string, e.g. 'limit=5&year=2013'")
	f.StringArrayVar(&o.headers, "header", nil, "extra request header 'Name: value' (repeatable; a repeated name is comma-joined)")
	f.StringVar(&o.host, "host", defaultEventHost, "Host the request was sent to (the local gateway's address)")
}

func newEventCmd() *cobra.Command {
	o := eventOptions{}
	cmd := &cobra.Command{
		Use:   "event list|get",
		Short: "Print the API Gateway HTTP API event a handler would receive",
		Long: `Print the payload-2.0 event that the local gateway (and API Gateway HTTP API)
sends to the list or get function for a request, as JSON. Feed it to
'movies invoke --event -' or to a Lambda emulator.

A get title goes in the path (/get/{year}/{title}), URL-encoded as curl or a
browser would send it. API Gateway decodes the path before routing and cuts
it at a decoded '?', so a title with '?' reaches the function cut short, and
one with '%' may not reach it at all: the event shows what the cloud sends,
and a warning says to use --title-query (GET /get/{year}?title=TITLE).`,
		Example: `  movies event list --query 'limit=5&year=2013'
  movies event get --year 1997 --title Face/Off
  movies event get --year 2011 --title "What's Your Number?" --title-query
  movies event get --header 'Accept: application/json' | movies invoke get --event -`,
		Args:      eventArgs,
		ValidArgs: deploy.FunctionNames(),
		RunE: func(cmd *cobra.Command, args []string) error {
			ev, err := buildEvent(args[0], o, gateway.Config{}, cmd.ErrOrStderr())
			if err != nil {
				return withExitCode(2, err)
			}
			return writeIndented(cmd.OutOrStdout(), ev)
		},
	}
	addEventFlags(cmd, &o)
	return cmd
}

// eventArgs accepts exactly one function name from the routes table.
func eventArgs(_ *cobra.Command, args []string) error {
	names := deploy.FunctionNames()
	if len(args) != 1 {
		return withExitCode(2, fmt.Errorf("want one function name: %s", strings.Join(names, " or ")))
	}
	for _, n := range names {
		if args[0] == n {
			return nil
		}
	}
	return withExitCode(2, fmt.Errorf("unknown function %q: want %s", args[0], strings.Join(names, " or ")))
}

// buildEvent returns the JSON event the local gateway (and API Gateway) would
// send to function for the request o describes. cfg supplies the request
// context (zero fields take the gateway's defaults; fix Now and NewRequestID
// for stable output). When the cloud would hand the function another title
// than o's, a warning that names the query form goes to warn.
func buildEvent(function string, o eventOptions, cfg gateway.Config, warn io.Writer) ([]byte, error) {
	r, err := eventRequest(function, o)
	if err != nil {
		return nil, err
	}
	ev, err := gateway.NewEvent(r, nil, cfg)
	if errors.Is(err, gateway.ErrBadPath) {
		return nil, fmt.Errorf("API Gateway answers 400 before any function runs: %w; send the title with --title-query", err)
	}
	if err != nil {
		return nil, fmt.Errorf("API Gateway answers request %s %s before any function runs: %w", r.Method, r.URL.RequestURI(), err)
	}
	if deploy.FunctionFor(ev.RouteKey) != function {
		return nil, fmt.Errorf("request %s %s does not match a route of %s", r.Method, r.URL.RequestURI(), function)
	}
	if function == deploy.FunctionGet && !o.inQuery {
		if got, want := ev.PathParameters[api.TitleParam], titleOrDefault(o); got != want {
			fmt.Fprintf(warn, "movies: warning: API Gateway decodes the path and cuts it at '?': the function gets the title %q, not %q; "+
				"use the query form GET /get/{year}?title=TITLE (--title-query)\n", got, want)
		}
	}
	return gateway.MarshalEvent(ev)
}

// eventRequest builds the request a client such as curl would send to the
// local gateway for function.
func eventRequest(function string, o eventOptions) (*http.Request, error) {
	path, query, err := eventTarget(function, o)
	if err != nil {
		return nil, err
	}
	host := o.host
	if host == "" {
		host = defaultEventHost
	}
	target := "http://" + host + path
	if query != "" {
		target += "?" + query
	}
	// The request is never sent: it only shapes the event, so no deadline applies.
	r, err := http.NewRequestWithContext(context.Background(), http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	r.RemoteAddr = "127.0.0.1:49152"
	r.Header.Set("User-Agent", "curl/8.5.0")
	r.Header.Set("Accept", "*/*")
	extra := http.Header{}
	if err := addHeaders(extra, o.headers); err != nil {
		return nil, err
	}
	for name, values := range extra { // like curl -H, a given header replaces a default one
		r.Header[name] = values
	}
	return r, nil
}

// eventTarget returns the raw path and raw query of the request for function.
func eventTarget(function string, o eventOptions) (path, query string, err error) {
	query = strings.TrimPrefix(o.query, "?")
	if strings.ContainsAny(query, " #\t\r\n") {
		return "", "", fmt.Errorf("--query %q: encode spaces as %%20 and leave out '#'", o.query)
	}
	switch function {
	case deploy.FunctionList:
		if o.title != "" || o.inQuery {
			return "", "", errors.New("--title and --title-query apply to get, not list")
		}
		if o.year != 0 {
			query = joinQuery(query, "year="+strconv.Itoa(o.year))
		}
		return "/list", query, nil
	case deploy.FunctionGet:
		year := o.year
		if year == 0 {
			year = defaultEventYear
		}
		if o.inQuery {
			path, titleQuery := api.GetQuery(year, titleOrDefault(o))
			return path, joinQuery(query, titleQuery), nil
		}
		return api.GetPath(year, titleOrDefault(o)), query, nil
	default:
		return "", "", fmt.Errorf("unknown function %q", function)
	}
}

// titleOrDefault returns o's title, or the default one.
func titleOrDefault(o eventOptions) string {
	if o.title == "" {
		return defaultEventTitle
	}
	return o.title
}

// joinQuery appends pair to a raw query string.
func joinQuery(query, pair string) string {
	if query == "" {
		return pair
	}
	return query + "&" + pair
}

// addHeaders adds each "Name: value" header to h.
func addHeaders(h http.Header, headers []string) error {
	for _, kv := range headers {
		name, value, ok := strings.Cut(kv, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("--header %q: want 'Name: value'", kv)
		}
		h.Add(name, strings.TrimSpace(value))
	}
	return nil
}

// writeIndented writes JSON indented, or data as it is when it is not JSON,
// followed by a newline.
func writeIndented(w io.Writer, data []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		buf.Reset()
		buf.Write(data)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
