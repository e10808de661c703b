package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/inference/tokenizer"
	"github.com/clinlm/clinlm/internal/testenv"
)

// benchNotes returns the notes bench/wasm times in Chromium (its corpus()):
// the synthetic sample notes, then public chest X-ray reports from
// ../shared up to 1000 notes when it is there (short ASCII notes, most of
// the browser run), so that the Go-side numbers weigh notes as that run does.
func benchNotes(b *testing.B) []string {
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
	var notes []string
	for _, s := range samples.Samples {
		notes = append(notes, s.Text)
	}
	f, err := os.Open(filepath.Join(testenv.SharedPath(b), "data", "iu-xray", "indiana_reports.csv"))
	if err != nil {
		b.Logf("sample notes only: %v", err)
		return notes
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) == 0 {
		b.Fatalf("indiana_reports.csv: %v", err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	for _, r := range rows[1:] {
		if len(notes) >= 1000 {
			break
		}
		var parts []string
		for _, k := range []string{"indication", "comparison", "findings", "impression"} {
			if v := r[col[k]]; v != "" {
				parts = append(parts, strings.ToUpper(k)+": "+v)
			}
		}
		if note := strings.Join(parts, "\n"); len(note) > 80 {
			notes = append(notes, note)
		}
	}
	return notes
}

// BenchmarkEncodePacked times what one clinlm_encode call does (the engine's
// encode, then the packed layout) against the engine's encode alone, on the
// notes of the browser benchmark (benchNotes), so the shim's own share
// shows. Run it as wasm too (with the worker's collector settings):
//
//	GOGC=400 GOMEMLIMIT=512MiB GOOS=js GOARCH=wasm go test -exec="$(go env GOROOT)/lib/wasm/go_js_wasm_exec" -run - -bench EncodePacked ./wasm
func BenchmarkEncodePacked(b *testing.B) {
	notes := benchNotes(b)
	bytes := 0
	for _, s := range notes {
		bytes += len(s)
	}
	for _, name := range []string{"minilm", "clinical-wordpiece", "gpt2", "clinical-unigram"} {
		e := loadCatalogueEntry(b, name)
		b.Run(name+"/encode", func(b *testing.B) {
			b.SetBytes(int64(bytes))
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range notes {
					if _, err := e.tok.Encode(s, true); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(name+"/packed", func(b *testing.B) {
			b.SetBytes(int64(bytes))
			b.ReportAllocs()
			// The page asks for the vocabulary before its first encode, so
			// tokens go as ids, not as pieces.
			e.vocabulary()
			var p packer
			for b.Loop() {
				for _, s := range notes {
					err := e.tok.EncodeParts(s, true, func(parts []*tokenizer.Encoding) error {
						_, err := p.pack(s, e, parts)
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
