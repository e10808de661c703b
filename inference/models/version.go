package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
)

// Version names exactly what a complete folder holds: the hex SHA-256 of
// one line "<file> <hex SHA-256 of its bytes>\n" per file the model is
// made of (manifest.json, the model and decoder files, tokenizer.json), in
// name order. Any change to weights, tokenizer or manifest changes it, so
// a score can be tied to the model that earned it (live evaluation, `clinlm
// eval --json`). Reading the files costs one pass over the weights.
func (e Entry) Version() (string, error) {
	if e.Err != nil {
		return "", e.Err
	}
	files := append([]string{ManifestFile}, e.Manifest.Files()...)
	if e.Manifest.Head == HeadTextToText {
		files = append(files, e.Decoder.files()...)
	}
	slices.Sort(files)
	all := sha256.New()
	for _, name := range files {
		f, err := os.Open(e.Path(name))
		if err != nil {
			return "", fmt.Errorf("version: %w", err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("version: %s: %w", name, err)
		}
		fmt.Fprintf(all, "%s %s\n", name, hex.EncodeToString(h.Sum(nil)))
	}
	return hex.EncodeToString(all.Sum(nil)), nil
}
