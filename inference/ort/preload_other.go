//go:build cgo && !linux

package ort

// preloadLibraries is a no-op off Linux: the CUDA provider is Linux-only here.
func preloadLibraries(string) (int, error) { return 0, nil }
