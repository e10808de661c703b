// Package testenv finds what the inference tests need outside the Go module:
// the ONNX Runtime library (tools/ort/fetch.sh) and the test models with
// their Python reference outputs (tools/models). When one is missing a test
// skips with the command that provides it, except under CI=true, where the
// test task prepares them and a missing piece is a failure.
package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// RepoRoot walks up from the working directory to the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Missing skips the test, or fails it under CI=true.
func Missing(t testing.TB, what, fix string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing (CI=true requires it): %s", what, fix)
	}
	t.Skipf("%s is missing; %s (with CI=true this test fails instead)", what, fix)
}

// ORTLibrary returns the ONNX Runtime library: $CLINLM_ORT_LIB, else the copy
// that tools/ort/fetch.sh keeps in <repo>/.cache/ort.
func ORTLibrary(t testing.TB) string {
	t.Helper()
	path := os.Getenv("CLINLM_ORT_LIB")
	if path == "" {
		path = filepath.Join(RepoRoot(t), ".cache", "ort", "libonnxruntime.so.1")
	}
	if _, err := os.Stat(path); err != nil {
		Missing(t, "the ONNX Runtime library "+path, "run `bash tools/ort/fetch.sh` or set CLINLM_ORT_LIB")
	}
	return path
}

// TestModels returns <repo>/.cache/testmodels, where tools/models/make_test_models.py
// writes small random-weight models with their reference outputs.
func TestModels(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), ".cache", "testmodels")
	if _, err := os.Stat(filepath.Join(dir, "COMPLETE")); err != nil {
		Missing(t, "the test models in "+dir, "run `bash tools/models/setup.sh` (builds .venv-models and the models)")
	}
	return dir
}

// SaliencyTestModels returns <repo>/.cache/testmodels-saliency, where
// tools/models/saliency_test_models.py writes models whose answer depends on
// one token.
func SaliencyTestModels(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), ".cache", "testmodels-saliency")
	if _, err := os.Stat(filepath.Join(dir, "COMPLETE")); err != nil {
		Missing(t, "the saliency test models in "+dir, "run `bash tools/models/setup.sh`")
	}
	return dir
}

// SharedPath is the project's read-only shared folder: $CLINLM_SHARED, else
// <repo>/../shared. It may not exist; SharedDir skips when it does not.
func SharedPath(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("CLINLM_SHARED"); dir != "" {
		return dir
	}
	return filepath.Join(filepath.Dir(RepoRoot(t)), "shared")
}

// SharedDir is SharedPath, skipping the test when the folder is absent:
// tests that read the shared research data run only beside it.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir := SharedPath(t)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared folder %s is absent (set CLINLM_SHARED): %v", dir, err)
	}
	return dir
}

// CopyFile copies a file (a test model's weights or tokenizer) into a test's
// model repository. A link would not do: the repository refuses files that
// resolve outside it.
func CopyFile(t testing.TB, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
