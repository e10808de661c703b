package static

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAssetsServe(t *testing.T) {
	fsys := fstest.MapFS{
		"css/app.css":            {Data: []byte("body{}")},
		"dist/tokenizer.wasm":    {Data: []byte("\x00asm-raw")},
		"dist/tokenizer.wasm.gz": {Data: gz(t, "\x00asm-raw")},
		"dist/tokenizer.wasm.br": {Data: []byte("brotli-bytes")},
		"dist/.gitkeep":          {Data: nil},
	}
	a, err := New(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if a.Has("dist/.gitkeep") {
		t.Error("dot files must not be served")
	}
	cssURL := a.Path("css/app.css")
	wasmURL := a.Path("dist/tokenizer.wasm")
	tests := []struct {
		name, url, acceptEncoding string
		wantStatus                int
		wantType, wantEncoding    string
		wantCache                 string
		wantBody                  string
	}{
		{"hashed css", cssURL, "", 200, "text/css; charset=utf-8", "", "public, max-age=31536000, immutable", "body{}"},
		{"stale hash still served, not cached", "/static/0000/css/app.css", "", 200, "text/css; charset=utf-8", "", "no-cache", "body{}"},
		{"wasm plain", wasmURL, "", 200, "application/wasm", "", "public, max-age=31536000, immutable", "\x00asm-raw"},
		{"wasm brotli preferred", wasmURL, "gzip, deflate, br", 200, "application/wasm", "br", "public, max-age=31536000, immutable", "brotli-bytes"},
		{"wasm gzip when brotli refused", wasmURL, "gzip, br;q=0", 200, "application/wasm", "gzip", "public, max-age=31536000, immutable", ""},
		{"wasm gzip", wasmURL, "gzip", 200, "application/wasm", "gzip", "public, max-age=31536000, immutable", ""},
		{"br sibling not addressable", "/static/abc/dist/tokenizer.wasm.br", "", 404, "", "", "", ""},
		{"unknown file", "/static/abc/css/none.css", "", 404, "", "", "", ""},
		{"gz sibling not addressable", "/static/abc/dist/tokenizer.wasm.gz", "", 404, "", "", "", ""},
		{"path traversal", "/static/abc/../../etc/passwd", "", 404, "", "", "", ""},
		{"no hash segment", "/static/app.css", "", 404, "", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.url, nil)
			if tc.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tc.acceptEncoding)
			}
			rec := httptest.NewRecorder()
			a.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				return
			}
			if got := rec.Header().Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type %q, want %q", got, tc.wantType)
			}
			if got := rec.Header().Get("Content-Encoding"); got != tc.wantEncoding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.wantEncoding)
			}
			if got := rec.Header().Get("Cache-Control"); got != tc.wantCache {
				t.Errorf("Cache-Control %q, want %q", got, tc.wantCache)
			}
			if tc.wantEncoding == "gzip" {
				r, err := gzip.NewReader(rec.Body)
				if err != nil {
					t.Fatal(err)
				}
				out, err := io.ReadAll(r)
				if err != nil {
					t.Fatal(err)
				}
				if string(out) != "\x00asm-raw" {
					t.Errorf("decompressed body %q", out)
				}
			} else if rec.Body.String() != tc.wantBody {
				t.Errorf("body %q, want %q", rec.Body.String(), tc.wantBody)
			}
		})
	}
}

func TestAssetsConditionalRequest(t *testing.T) {
	a, err := New(fstest.MapFS{"js/a.js": {Data: []byte("1")}})
	if err != nil {
		t.Fatal(err)
	}
	first := httptest.NewRecorder()
	a.ServeHTTP(first, httptest.NewRequest(http.MethodGet, a.Path("js/a.js"), nil))
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	req := httptest.NewRequest(http.MethodGet, a.Path("js/a.js"), nil)
	req.Header.Set("If-None-Match", etag)
	second := httptest.NewRecorder()
	a.ServeHTTP(second, req)
	if second.Code != http.StatusNotModified {
		t.Errorf("status %d, want 304", second.Code)
	}
}

func TestPathChangesWithContent(t *testing.T) {
	a1, _ := New(fstest.MapFS{"js/a.js": {Data: []byte("one")}})
	a2, _ := New(fstest.MapFS{"js/a.js": {Data: []byte("two")}})
	if a1.Path("js/a.js") == a2.Path("js/a.js") {
		t.Error("different content must give different URLs")
	}
	if !strings.HasPrefix(a1.Path("js/a.js"), URLPrefix) || !strings.HasSuffix(a1.Path("js/a.js"), "/js/a.js") {
		t.Errorf("unexpected URL %q", a1.Path("js/a.js"))
	}
}

func TestEmbeddedHasOurAssets(t *testing.T) {
	a, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"css/app.css", "js/charts.js"} {
		if !a.Has(name) {
			t.Errorf("embedded assets lack %s", name)
		}
	}
}
