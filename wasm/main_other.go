//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// The shim only means something inside a browser; a native build (go vet
// ./..., go test ./wasm/) gets this explanation instead of a link error.
func main() {
	fmt.Fprintln(os.Stderr, "wasm: build with GOOS=js GOARCH=wasm (go tool task wasm); this is the browser tokenizer's shim")
	os.Exit(2)
}
