package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/static"
	"github.com/clinlm/clinlm/tokenizers"
)

const tinyTokenizer = `{"version":"1.0","model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":{"[UNK]":0,"a":1}}}`

func newTokenizeServer(t *testing.T, withWasm bool) *Server {
	t.Helper()
	cat, err := tokenizers.Load(fstest.MapFS{
		"catalogue.json": {Data: []byte(`{"tokenizers":[
			{"name":"tiny","title":"Tiny WordPiece","family":"wordpiece","file":"tiny.json","default":true,
			 "models":["ClinicalBERT"],"relation":"same algorithm","provenance":"a test","licence":"CC0"},
			{"name":"unbuilt","title":"Not built","family":"bpe","file":"built/unbuilt.json","models":["GPT-3"]}]}`)},
		"tiny.json": {Data: []byte(tinyTokenizer)},
	})
	if err != nil {
		t.Fatal(err)
	}
	set, err := results.Default()
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{
		"css/app.css":           {Data: []byte("body{}")},
		"css/tokenize.css":      {Data: []byte(".tk{}")},
		"js/tokenize.js":        {Data: []byte("//")},
		"js/tokenize-worker.js": {Data: []byte("//")},
	}
	if withWasm {
		files["dist/tokenizer.wasm"] = &fstest.MapFile{Data: []byte("\x00asm")}
		files["dist/corpus.wasm"] = &fstest.MapFile{Data: []byte("\x00asm+corpus")}
		files["dist/wasm_exec.js"] = &fstest.MapFile{Data: []byte("//")}
	}
	assets, err := static.New(files)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Results: set, Assets: assets, Tokenizers: cat})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func get(t *testing.T, h http.Handler, method, url string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := localRequest(method, url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestTokenizerList(t *testing.T) {
	srv := newTokenizeServer(t, true)
	rec := get(t, srv, http.MethodGet, "/api/v1/tokenizers", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var body struct {
		Tokenizers []struct {
			Name, Family, FamilyTitle, URL, SHA256, File string
			Available                                    bool
			Models                                       []string
		} `json:"tokenizers"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if len(body.Tokenizers) != 2 {
		t.Fatalf("want 2 entries, got %+v", body.Tokenizers)
	}
	tiny, unbuilt := body.Tokenizers[0], body.Tokenizers[1]
	if !tiny.Available || !strings.HasPrefix(tiny.URL, "/tokenizers/tiny.json?v=") || len(tiny.SHA256) != 64 {
		t.Errorf("tiny entry: %+v", tiny)
	}
	if unbuilt.Available || unbuilt.URL != "" {
		t.Errorf("an unbuilt entry must have no URL: %+v", unbuilt)
	}
	if strings.Contains(rec.Body.String(), `"file"`) {
		t.Error("the API must not expose catalogue-internal file paths")
	}
}

func TestTokenizerFile(t *testing.T) {
	srv := newTokenizeServer(t, true)
	rec := get(t, srv, http.MethodGet, "/tokenizers/tiny.json", nil)
	if rec.Code != http.StatusOK || rec.Body.String() != tinyTokenizer {
		t.Fatalf("plain: %d %q", rec.Code, rec.Body)
	}
	etag := rec.Header().Get("ETag")
	if rec.Header().Get("Content-Type") != "application/json" || etag == "" || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("headers: %v", rec.Header())
	}

	rec = get(t, srv, http.MethodGet, "/tokenizers/tiny.json?v="+strings.Trim(etag, `"`), map[string]string{"Accept-Encoding": "gzip, br"})
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("gzip/immutable headers: %v", rec.Header())
	}
	zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); string(b) != tinyTokenizer {
		t.Errorf("gzip body decodes to %q", b)
	}

	if rec = get(t, srv, http.MethodGet, "/tokenizers/tiny.json", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified {
		t.Errorf("revalidation: %d", rec.Code)
	}
	if rec = get(t, srv, http.MethodHead, "/tokenizers/tiny.json", nil); rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d len %d %v", rec.Code, rec.Body.Len(), rec.Header())
	}
	for _, path := range []string{"/tokenizers/unbuilt.json", "/tokenizers/nope.json", "/tokenizers/tiny", "/tokenizers/..%2fcatalogue.json"} {
		if rec = get(t, srv, http.MethodGet, path, nil); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, rec.Code)
		}
	}
}

func TestTokenizePage(t *testing.T) {
	samples, err := tokenizers.Samples()
	if err != nil {
		t.Fatal(err)
	}
	for _, withWasm := range []bool{true, false} {
		srv := newTokenizeServer(t, withWasm)
		rec := get(t, srv, http.MethodGet, "/tokenize", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		html := rec.Body.String()
		for _, want := range []string{
			`aria-current="page"`,                // nav marks the page
			`<noscript>`,                         // explains the JavaScript need
			`never leaves this browser`,          // the privacy statement
			`id="tokenize-boot"`,                 // the script's configuration island
			`data-testid="tokenizer-catalogue"`,  // the catalogue table works without JS
			`/tokenizers/tiny.json?v=`,           // links to the file
			`(not built into this server)`,       // the unbuilt entry says so
			`<label for="tk-text">Clinical note`, // the note box is labelled
			"/static/",                           // scripts come from our static assets
		} {
			if !strings.Contains(html, want) {
				t.Errorf("wasm=%v: page lacks %q", withWasm, want)
			}
		}
		// The first sample is in the box (HTML-escaped), every sample is offered.
		first := strings.SplitN(samples[0].Text, "\n", 2)[0]
		if !strings.Contains(html, first) {
			t.Errorf("the note box does not open with the first sample")
		}
		for _, s := range samples {
			if !strings.Contains(html, `value="`+s.ID+`"`) {
				t.Errorf("sample %s not offered", s.ID)
			}
		}
		// No inline executable script: only src= scripts and JSON data islands.
		for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(html, -1) {
			if !strings.Contains(tag, "src=") && !strings.Contains(tag, `type="application/json"`) {
				t.Errorf("inline script tag %s", tag)
			}
		}
		if got := strings.Contains(html, `data-testid="wasm-missing"`); got == withWasm {
			t.Errorf("wasm=%v: missing-wasm notice shown=%v", withWasm, got)
		}
	}
}

func TestTokenizeWithoutCatalogue(t *testing.T) {
	srv := newTokenizeServer(t, true)
	srv.cfg.Tokenizers = nil
	if rec := get(t, srv, http.MethodGet, "/api/v1/tokenizers", nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"tokenizers":null`) && !strings.Contains(rec.Body.String(), `"tokenizers":[]`) {
		t.Errorf("empty list: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, srv, http.MethodGet, "/tokenize", nil); rec.Code != http.StatusOK {
		t.Errorf("page without catalogue: %d", rec.Code)
	}
}
