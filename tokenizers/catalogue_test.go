package tokenizers

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"testing/fstest"
)

const tinyWordPiece = `{"version":"1.0","model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":{"[UNK]":0,"a":1}}}`

// An HF file from before model types were written down.
const untypedBPE = `{"version":"1.0","model":{"vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]}}`

func TestDefaultCatalogue(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	entries := c.Entries()
	if len(entries) < 4 {
		t.Fatalf("want at least 4 entries, got %d", len(entries))
	}
	families := map[string]bool{}
	defaults := 0
	for _, e := range entries {
		families[e.Family] = true
		if e.Default {
			defaults++
		}
		for field, v := range map[string]string{"title": e.Title, "relation": e.Relation, "provenance": e.Provenance, "licence": e.Licence} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: empty %s", e.Name, field)
			}
		}
		if len(e.Models) == 0 {
			t.Errorf("%s: names none of the paper's models", e.Name)
		}
		if e.Available {
			f, ok := c.File(e.Name)
			if !ok || len(f.Raw()) != e.Size || len(e.SHA256) != 64 {
				t.Errorf("%s: available but file/size/hash inconsistent", e.Name)
			}
		}
	}
	for _, fam := range []string{"wordpiece", "bpe", "unigram"} {
		if !families[fam] {
			t.Errorf("no %s entry: the paper's models need each family", fam)
		}
	}
	if defaults < 2 {
		t.Errorf("want at least two default entries for the side-by-side view, got %d", defaults)
	}
	// Our trained vocabularies are committed and must always be present.
	for _, name := range []string{"clinical-wordpiece", "clinical-bpe", "clinical-unigram"} {
		if _, ok := c.File(name); !ok {
			t.Errorf("committed entry %s is not available", name)
		}
	}
	for _, name := range c.Missing() {
		t.Logf("%s is not built into this test binary (run `go tool task catalogue`)", name)
	}
}

func TestLoadManifest(t *testing.T) {
	fsys := fstest.MapFS{
		"catalogue.json": {Data: []byte(`{"tokenizers":[
			{"name":"tiny","title":"Tiny","family":"wordpiece","file":"sub/tiny.json","default":true,"models":["X"]},
			{"name":"later","family":"bpe","file":"built/later.json"}]}`)},
		"sub/tiny.json": {Data: []byte(tinyWordPiece)},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	e := c.Entries()
	if len(e) != 2 || e[0].Name != "tiny" || !e[0].Available || e[1].Available {
		t.Fatalf("entries = %+v", e)
	}
	if e[1].Title != "later" || e[1].Models == nil {
		t.Errorf("missing title/models not defaulted: %+v", e[1])
	}
	if got := c.Missing(); len(got) != 1 || got[0] != "later" {
		t.Errorf("Missing() = %v", got)
	}
	if _, ok := c.File("later"); ok {
		t.Error("File(later) should be absent")
	}
	// Entries returns a copy: callers cannot change the catalogue.
	e[0].Models[0] = "changed"
	if c.Entries()[0].Models[0] != "X" {
		t.Error("Entries shares its slices with the catalogue")
	}
}

func TestLoadFolderWithoutManifest(t *testing.T) {
	fsys := fstest.MapFS{
		"B-Tok.json": {Data: []byte(tinyWordPiece)},
		"a.json":     {Data: []byte(untypedBPE)},
		"notes.txt":  {Data: []byte("ignored")},
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	e := c.Entries()
	if len(e) != 2 || e[0].Name != "a" || e[0].Family != "bpe" || e[1].Name != "b-tok" || e[1].Family != "wordpiece" {
		t.Fatalf("entries = %+v", e)
	}
	if !e[0].Default || !e[1].Default {
		t.Error("the first two files should be the default selection")
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"empty folder", fstest.MapFS{}, "no catalogue.json"},
		{"bad manifest", fstest.MapFS{"catalogue.json": {Data: []byte(`{`)}}, "catalogue.json"},
		{"no entries", fstest.MapFS{"catalogue.json": {Data: []byte(`{"tokenizers":[]}`)}}, "lists no tokenizers"},
		{"bad name", fstest.MapFS{"catalogue.json": {Data: []byte(`{"tokenizers":[{"name":"../x","family":"bpe","file":"x.json"}]}`)}}, "name"},
		{"twice", fstest.MapFS{"catalogue.json": {Data: []byte(`{"tokenizers":[{"name":"x","family":"bpe","file":"x.json"},{"name":"x","family":"bpe","file":"y.json"}]}`)}}, "twice"},
		{"escaping path", fstest.MapFS{"catalogue.json": {Data: []byte(`{"tokenizers":[{"name":"x","family":"bpe","file":"../x.json"}]}`)}}, "inside the catalogue"},
		{"unknown family", fstest.MapFS{"catalogue.json": {Data: []byte(`{"tokenizers":[{"name":"x","family":"magic","file":"x.json"}]}`)}}, "unknown family"},
		{"not a tokenizer", fstest.MapFS{"catalogue.json": {Data: []byte(`{"tokenizers":[{"name":"x","family":"bpe","file":"x.json"}]}`)}, "x.json": {Data: []byte(`{"hello":1}`)}}, "no \"model\""},
		{"unsupported model", fstest.MapFS{"x.json": {Data: []byte(`{"model":{"type":"Magic"}}`)}}, "unsupported model type"},
		{"bad file name", fstest.MapFS{"my tok.json": {Data: []byte(tinyWordPiece)}}, "must match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestFileGzip(t *testing.T) {
	c, err := Load(fstest.MapFS{"t.json": {Data: []byte(tinyWordPiece)}})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := c.File("t")
	if !ok {
		t.Fatal("t missing")
	}
	gz, err := f.Gzip()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := f.Gzip()
	if &gz[0] != &again[0] {
		t.Error("Gzip should compress once and reuse the result")
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(r)
	if err != nil || string(back) != tinyWordPiece {
		t.Fatalf("gzip round trip: %q, %v", back, err)
	}
	if f.ETag() == "" || f.ETag()[0] != '"' {
		t.Errorf("ETag %q is not a quoted validator", f.ETag())
	}
}

func TestSamples(t *testing.T) {
	samples, err := Samples()
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) < 3 {
		t.Fatalf("want several samples, got %d", len(samples))
	}
	seen := map[string]bool{}
	long := false
	for _, s := range samples {
		if s.ID == "" || s.Title == "" || strings.TrimSpace(s.Text) == "" || seen[s.ID] {
			t.Errorf("bad or duplicate sample %+v", s.ID)
		}
		seen[s.ID] = true
		// One note must be long enough for the 1024-token overlay to cut it.
		if len(s.Text) > 4000 {
			long = true
		}
	}
	if !long {
		t.Error("no sample is long enough to show the maximum-length overlay")
	}
}
