// Package devloop is the edit loop behind `movies serve --watch` (make dev):
// save a Go file, and the local API serves the new code as soon as go build
// has rebuilt it (the loop adds about a tenth of a second), without refusing
// or failing a request.
//
// # How
//
// The loop is a supervisor. It holds the listening socket for its whole
// life and never accepts on it itself. It builds the server (./cmd/movies
// with the serveonly tag: the CLI with its serve command alone) and, for
// --invoke rie, the Lambda bootstrap exactly as the image builds it, into
// .cache/dev, and runs the built binary as `serve` with the socket
// as an inherited file descriptor (--listen-fd) and a pipe (--ready-fd) on
// which the server says when it first accepts. It watches the module's
// files with fsnotify (inotify on Linux: no polling, no CPU while idle); a
// burst of changes (an editor's save, a git checkout of many files) makes
// one rebuild once the files have been quiet for DefaultQuiet, and files
// that change while go build runs start it over, so a burst that comes in
// parts still makes one build. go build is incremental, from Go's build
// cache. After a good build the new server
// starts on the same socket; once it accepts, the old one is drained and
// stopped: it stops accepting, waits until it has read the request of every
// connection it accepted (DrainTimeout at most), then gets SIGTERM, and
// gateway.Serve finishes the requests in flight (gateway.ShutdownTimeout at
// most) and exits. A build that fails prints the compiler's messages once
// (file:line:col, as go build gives them) and the last good server keeps
// serving; so does a new server that exits before it serves. One line per
// rebuild says what changed, how long go build took, and how much later the
// new code served:
//
//	rebuilt after api/get.go changed: build 2.57 s, new code serving 0.02 s later
//
// # Why a supervisor and servers on one socket
//
// No connection is refused: the socket stays open, and a connection waiting
// in its queue is accepted by whichever server accepts next. No request is
// lost: the old server answers every request it accepted, provided the
// client sends it within DrainTimeout of the swap, as clients do at once.
// The drain is what makes that true for a connection accepted just before
// the swap: net/http's
// shutdown closes, unanswered, a connection whose first request it reads
// after the shutdown began, and no client resends a request sent on a new
// connection. A keep-alive connection that sits idle in the old server is
// closed by its shutdown; a client that sends on it at that very moment sees
// it close unanswered, and resends the request on a new connection, as RFC
// 9112 (section 9.3.1) allows for idempotent requests, such as every request
// of this API: Go's http.Transport, curl and browsers do. Each server is
// exactly what `movies serve` runs, from the module's source as it is now.
//
// The alternatives do less: a graceful-restart library such as
// cloudflare/tableflip upgrades a process that re-executes itself, while
// here every version is a new build and the supervisor outlives them all
// (what the library adds over ExtraFiles and a pipe is that handover);
// swapping only the binary of the aws-lambda-rie pool would miss changes to
// the gateway and to --invoke inprocess; a proxy in front would add a hop to
// every request; Go cannot unload code, so nothing can be reloaded in place.
//
// # The embedded store
//
// Old and new servers overlap, and bbolt locks its file: the loop opens the
// store read-write once to create and seed it, then its servers open it
// read-only (bolt.OpenReadOnly), which takes bbolt's shared lock. The data
// stays across swaps. Loading data with `movies load` needs the loop
// stopped, as it needs `movies serve` stopped.
//
// # What it watches
//
// Non-test Go files, the files that packages embed (//go:embed, as listed by
// go list at start), go.mod, go.sum and go.work, in every directory of the
// module but hidden ones (.git, .cache), testdata, node_modules, bin, dist
// and other modules (infra, with its cdk.out): a change to infra/ does not
// restart the API. A change that leaves the binaries as they were (a package
// neither imports) builds but keeps the server running.
//
// Servers run in a process group of their own, with the kernel's parent-death
// signal (Linux), so none outlives the loop. Ctrl-C or SIGTERM stops the
// server as it stops `movies serve`, and the loop exits 0. The loop runs on
// Linux and other Unixes. The loop's own code is not rebuilt: changes to it
// apply at the next start.
package devloop
