package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errUsage marks a command-line mistake (exit code 2); the flag package has
// already printed what was wrong.
var errUsage = errors.New("usage error")

// newFlagSet makes a flag set whose errors are returned, not fatal.
func newFlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("clinlm "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

// envName is the environment variable for a flag: --shutdown-grace → CLINLM_SHUTDOWN_GRACE.
func envName(flagName string) string {
	return "CLINLM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags applies CLINLM_* environment variables first, then the command
// line, so that an explicit flag wins over the environment.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = fmt.Errorf("%s=%q: %w", envName(f.Name), v, err)
			}
		}
	})
	if envErr != nil {
		fmt.Fprintln(fs.Output(), envErr)
		return errUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected arguments: %q\n", fs.Args())
		return errUsage
	}
	return nil
}
