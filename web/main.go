// Command clinlm is the dashboard binary: `clinlm serve` starts the web
// dashboard, `clinlm tokenize` runs the tokenizer over JSON lines.
// Every flag can also be set with a CLINLM_* environment variable
// (--addr → CLINLM_ADDR); a flag on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// stdio is the process's streams and environment, passed in so that tests
// can run commands in-process.
type stdio struct {
	in     io.Reader
	out    io.Writer
	err    io.Writer
	getenv func(string) string
}

// command is one subcommand of the binary.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, sio stdio) error
}

func commands() []command {
	return []command{
		{"serve", "start the dashboard (the default)", runServe},
		{"tokenize", "tokenize JSON lines from stdin with a tokenizer.json", runTokenize},
		{"eval", "score a model on a JSONL task file (nli, qa, clip) and print the metrics", runEval},
		{"models", "models add PATH: put a Hugging Face ONNX export (or checkpoint) into the model repository, manifest written from its config", runModels},
		{"export-triton", "write the models in Triton's model-repository layout (DIR/<model>/config.pbtxt, 1/model.onnx)", runExportTriton},
	}
}

// run dispatches to a subcommand and turns its error into an exit code.
func run(ctx context.Context, args []string, sio stdio) int {
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(sio.out)
		return 0
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, args, sio)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(sio.err, "clinlm %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(sio.err, "clinlm: unknown command %q\n", name)
	usage(sio.err)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: clinlm <command> [flags]")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "Run `clinlm <command> -h` for a command's flags; each flag also reads CLINLM_<FLAG>.")
}
