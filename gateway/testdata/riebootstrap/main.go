// Command riebootstrap is a tiny Lambda bootstrap for the RIE pool tests. Its
// handler, named by its first argument or by _HANDLER, does what the event's
// "action" says:
//
//	echo       returns {"function","pid","in"} (the default)
//	sleep      sleeps "ms" milliseconds, then answers like echo
//	error      returns an error (a handled function error)
//	panic      panics (the runtime crashes; the emulator restarts it)
//	exit       exits the runtime process without answering
//	killparent kills the aws-lambda-rie process that runs it
//
// An event without an action, such as an API Gateway event, is answered with
// the contents of the file $RIEBOOTSTRAP_ANSWER when that is set, verbatim,
// and like echo otherwise.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Action string `json:"action"`
	MS     int    `json:"ms"`
}

type response struct {
	Function string          `json:"function"`
	PID      int             `json:"pid"`
	In       json.RawMessage `json:"in"`
}

func main() {
	name := os.Getenv("_HANDLER")
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	var answer json.RawMessage
	if path := os.Getenv("RIEBOOTSTRAP_ANSWER"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			panic(err)
		}
		answer = b
	}
	lambda.Start(func(ctx context.Context, in json.RawMessage) (any, error) {
		var ev event
		if answer != nil && json.Unmarshal(in, &ev) == nil && ev.Action == "" {
			return answer, nil
		}
		return handle(ctx, name, in)
	})
}

func handle(ctx context.Context, name string, in json.RawMessage) (*response, error) {
	var ev event
	_ = json.Unmarshal(in, &ev) // a non-object event is echoed
	switch ev.Action {
	case "sleep":
		select {
		case <-time.After(time.Duration(ev.MS) * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	case "error":
		return nil, errors.New("handled failure")
	case "panic":
		panic("unhandled failure")
	case "exit":
		os.Exit(3)
	case "killparent":
		_ = syscall.Kill(os.Getppid(), syscall.SIGKILL)
		time.Sleep(time.Second)
	}
	return &response{Function: name, PID: os.Getpid(), In: in}, nil
}
