package gotool

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCommand(t *testing.T) {
	root := filepath.Join("/", "src", "clinlm")
	for _, tc := range []struct {
		name  string
		gomod string
		tool  string
		args  []string
		want  []string
	}{
		{"task with args", filepath.Join(root, "go.mod"), "task", []string{"test", "--", "-v"},
			[]string{"go", "tool", "-modfile=" + filepath.Join(root, "go.tool.mod"), "task", "test", "--", "-v"}},
		{"templ without args", filepath.Join(root, "go.mod"), "templ", nil,
			[]string{"go", "tool", "-modfile=" + filepath.Join(root, "go.tool.mod"), "templ"}},
		{"outside any module", "", "task", nil, nil},
		{"GO111MODULE=off", os.DevNull, "task", nil, nil},
		{"an alternate modfile already", filepath.Join(root, "go.tool.mod"), "task", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Command(tc.gomod, tc.tool, tc.args)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("Command(%q) = %q, want an error", tc.gomod, got)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("Command(%q, %q, %q) = %q, %v; want %q", tc.gomod, tc.tool, tc.args, got, err, tc.want)
			}
		})
	}
}

// The repository's go.tool.mod declares every tool that has a command here,
// and go.mod declares the commands, not the tools.
func TestToolModfilesAgree(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	gomod, toolmod := read("go.mod"), read(ToolModfile)
	for tool, pkg := range map[string]string{
		"task":        "github.com/go-task/task/v3/cmd/task",
		"templ":       "github.com/a-h/templ/cmd/templ",
		"govulncheck": "golang.org/x/vuln/cmd/govulncheck",
	} {
		if !containsLine(toolmod, pkg) {
			t.Errorf("%s does not declare the tool %s", ToolModfile, pkg)
		}
		if containsLine(gomod, pkg) {
			t.Errorf("go.mod declares the tool %s; it belongs in %s", pkg, ToolModfile)
		}
		if cmd := "github.com/clinlm/clinlm/tools/gotool/" + tool; !containsLine(gomod, cmd) {
			t.Errorf("go.mod does not declare %s, so `go tool %s` would not run", cmd, tool)
		}
	}
}

func containsLine(file, want string) bool {
	for line := range strings.Lines(file) {
		line = strings.TrimSpace(line)
		if line == want || line == "tool "+want {
			return true
		}
	}
	return false
}
