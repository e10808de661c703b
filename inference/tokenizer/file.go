//go:build !(js && wasm)

package tokenizer

import (
	"fmt"
	"os"
)

// The file loaders are left out of the WebAssembly build, which gets its
// tokenizer files as bytes and so links neither os nor fmt.

// FromFile loads a tokenizer.json file.
func FromFile(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := FromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}
