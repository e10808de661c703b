package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer"
)

// BenchmarkEncodePacked times what one clinlm_encode call does (the engine's
// encode, then the packed layout) against the engine's encode alone, on the
// synthetic sample notes, so the shim's own share shows. Run it as wasm too:
//
//	GOOS=js GOARCH=wasm go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" -run - -bench EncodePacked ./wasm
func BenchmarkEncodePacked(b *testing.B) {
	raw, err := os.ReadFile("../tokenizers/samples.json")
	if err != nil {
		b.Fatal(err)
	}
	var samples struct {
		Samples []struct{ Text string } `json:"samples"`
	}
	if err := json.Unmarshal(raw, &samples); err != nil {
		b.Fatal(err)
	}
	bytes := 0
	for _, s := range samples.Samples {
		bytes += len(s.Text)
	}
	for _, name := range []string{"minilm", "clinical-wordpiece", "gpt2", "clinical-unigram"} {
		e := loadCatalogueEntry(b, name)
		b.Run(name+"/encode", func(b *testing.B) {
			b.SetBytes(int64(bytes))
			for b.Loop() {
				for _, s := range samples.Samples {
					if _, err := e.tok.Encode(s.Text, true); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(name+"/packed", func(b *testing.B) {
			b.SetBytes(int64(bytes))
			var p packer
			for b.Loop() {
				for _, s := range samples.Samples {
					err := e.tok.EncodeParts(s.Text, true, func(parts []*tokenizer.Encoding) error {
						_, err := p.pack(s.Text, e, parts)
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
