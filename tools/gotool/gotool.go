// Package gotool runs a development tool (task, templ, govulncheck) from the
// repository's tool modfile, go.tool.mod, instead of go.mod.
//
// The tools pull about 150 modules (cloud SDKs, git, terminal UIs) that the
// product never imports. Declared in go.mod they would sit in the product's
// module graph; declared in go.tool.mod they do not. go.mod's tool block names
// only the tiny commands beside this package, which keep the documented
// `go tool task …`, `go tool templ …` and `go tool govulncheck …` working: each
// replaces itself with `go tool -modfile=<root>/go.tool.mod NAME ARGS…`.
package gotool

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// ToolModfile is the modfile beside go.mod that declares the tools.
const ToolModfile = "go.tool.mod"

// Exec replaces the current process with the named tool built from
// go.tool.mod, passing args through; it returns only on failure.
func Exec(name string, args []string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is not on PATH: %w", err)
	}
	out, err := exec.Command(goBin, "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	argv, err := Command(strings.TrimSpace(string(out)), name, args)
	if err != nil {
		return err
	}
	if _, err := os.Stat(argv[2][len("-modfile="):]); err != nil {
		return fmt.Errorf("the tool modfile is missing: %w", err)
	}
	// Exec, not a child process: signals, the terminal and the exit status
	// belong to the tool as if it had been started directly.
	return syscall.Exec(goBin, argv, os.Environ())
}

// Command is the argv that runs tool name with args, for the main module whose
// go.mod is gomod (as `go env GOMOD` prints it).
func Command(gomod, name string, args []string) ([]string, error) {
	if gomod == "" || gomod == os.DevNull || filepath.Base(gomod) != "go.mod" {
		return nil, errors.New("not inside the clinlm module (go env GOMOD names no go.mod); run from the repository")
	}
	modfile := filepath.Join(filepath.Dir(gomod), ToolModfile)
	return append([]string{"go", "tool", "-modfile=" + modfile, name}, args...), nil
}

// Main is a tool command's whole main function.
func Main(name string) {
	err := Exec(name, os.Args[1:])
	fmt.Fprintf(os.Stderr, "go tool %s: %v\n", name, err)
	os.Exit(1)
}
