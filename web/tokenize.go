package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/clinlm/clinlm/inference/tokenizer"
	"github.com/clinlm/clinlm/server"
	"github.com/clinlm/clinlm/tokenizers"
)

// runTokenize is `clinlm tokenize --tokenizer PATH`: JSON lines
// {"id","text","pair"} on stdin, one encoding per line on stdout (the contract
// of tokenizer.RunJSONLines). PATH is a tokenizer.json file, or the name of an
// entry of the embedded catalogue (minilm, gpt2, clinical-wordpiece, ...).
// With --stats FILE or --spans FILE it summarises a corpus or checks
// annotations instead (tokenize_corpus.go), and --tokenizer may list several.
func runTokenize(ctx context.Context, args []string, sio stdio) error {
	fset := newFlagSet("tokenize", sio.err)
	path := fset.String("tokenizer", "", "tokenizer.json file, or the name of an embedded catalogue entry (required; with --stats or --spans a comma-separated list)")
	stats := fset.String("stats", "", "corpus statistics of a .jsonl, .csv or .txt file, or a folder of .txt notes, per tokenizer (CSV table; --json for everything)")
	spansFile := fset.String("spans", "", "check annotations against the tokens: a BRAT .ann file (its .txt beside it), a folder of them, or a .jsonl file of {text, spans}")
	maxLength := fset.Int("max-length", 512, "with --spans: the truncation limit in tokens, special tokens included (0: none)")
	tags := fset.String("tags", "", "with --spans: write token-level IOB2 tags to stdout as conll or jsonl (the summary goes to stderr)")
	asJSON := fset.Bool("json", false, "with --stats or --spans: the whole report as JSON")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "usage: clinlm tokenize --tokenizer PATH < inputs.jsonl > encodings.jsonl")
		fmt.Fprintln(fset.Output(), "       clinlm tokenize --tokenizer A,B --stats notes.jsonl")
		fmt.Fprintln(fset.Output(), "       clinlm tokenize --tokenizer A,B --spans notes.ann|notes.jsonl [--tags conll|jsonl]")
		fmt.Fprintln(fset.Output(), `reads {"id": ..., "text": "...", "pair": "..."} lines; writes {"id","ids","tokens","offsets","type_ids","special_tokens_mask","decoded"} lines`)
		fset.PrintDefaults()
	}
	if err := parseFlags(fset, args, sio.getenv); err != nil {
		return err
	}
	if *path == "" {
		fmt.Fprintln(fset.Output(), "--tokenizer is required")
		return errUsage
	}
	switch {
	case *stats != "" && *spansFile != "":
		fmt.Fprintln(fset.Output(), "--stats and --spans are separate runs; give one")
		return errUsage
	case *stats != "":
		return runCorpusStats(*path, *stats, *asJSON, sio)
	case *spansFile != "":
		if *tags != "" && *tags != "conll" && *tags != "jsonl" {
			fmt.Fprintln(fset.Output(), "--tags is conll or jsonl")
			return errUsage
		}
		if *maxLength < 0 {
			fmt.Fprintln(fset.Output(), "--max-length must be 0 or more")
			return errUsage
		}
		return runSpans(*path, *spansFile, *maxLength, *tags, *asJSON, sio)
	}
	tok, err := openTokenizer(*path)
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(sio.out, 64<<10)
	if err := tokenizer.RunJSONLines(tok, sio.in, out); err != nil {
		return err
	}
	return out.Flush()
}

// openTokenizer loads a file, falling back to the embedded catalogue when no
// such file exists and the argument names a catalogue entry.
func openTokenizer(arg string) (*tokenizer.Tokenizer, error) {
	data, err := tokenizerFile(arg)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.FromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	return tok, nil
}

// tokenizerFile reads a tokenizer.json file, or the embedded catalogue's
// file when no such file exists and the argument names a catalogue entry.
func tokenizerFile(arg string) ([]byte, error) {
	if _, err := os.Stat(arg); err == nil || !errors.Is(err, fs.ErrNotExist) || strings.ContainsAny(arg, `/\`) {
		return os.ReadFile(arg)
	}
	cat, err := tokenizers.Default()
	if err != nil {
		return nil, err
	}
	name := strings.TrimSuffix(arg, ".json")
	if f, ok := cat.File(name); ok {
		return f.Raw(), nil
	}
	var names []string
	for _, e := range cat.Entries() {
		if e.Available {
			names = append(names, e.Name)
		}
	}
	return nil, fmt.Errorf("%s: no such file, and no catalogue entry of that name (built in: %s)", arg, strings.Join(names, ", "))
}

// loadTokenizerCatalogue is the catalogue `clinlm serve` offers the inspector:
// the embedded one, or the folder given to --tokenizers. Entries whose files
// were not built into the binary are reported as optional start-up checks.
func loadTokenizerCatalogue(dir string) (*tokenizers.Catalogue, []server.Check, error) {
	var (
		cat *tokenizers.Catalogue
		err error
	)
	if dir == "" {
		cat, err = tokenizers.Default()
	} else {
		cat, err = tokenizers.Load(os.DirFS(dir))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("tokenizer catalogue: %w", err)
	}
	detail := cat.Source()
	if dir != "" {
		detail = "tokenizers from " + dir
	}
	checks := []server.Check{{Name: "tokenizers", OK: true, Detail: fmt.Sprintf("%s (%d entries)", detail, len(cat.Entries()))}}
	for _, name := range cat.Missing() {
		checks = append(checks, server.Check{
			Name: "tokenizer " + name, OK: false, Optional: true,
			Error: "not built into this binary; build with `go tool task build`",
		})
	}
	return cat, checks, nil
}
