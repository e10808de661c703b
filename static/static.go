// Package static embeds the dashboard's browser assets (our CSS and JS, and the
// files the Taskfile builds into dist/: ECharts from npm, the tokenizer .wasm and
// Go's wasm_exec.js) and serves them under content-hashed URLs.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
)

//go:embed css js all:dist
var embedded embed.FS

// URLPrefix is where the assets are mounted.
const URLPrefix = "/static/"

// Assets serves a file tree with a content hash in each URL, so that browsers
// may cache them forever and a new build is never mixed with an old one.
type Assets struct {
	files  fs.FS
	hashes map[string]string // path -> short content hash
}

// Embedded returns the assets compiled into the binary.
func Embedded() (*Assets, error) { return New(embedded) }

// New indexes every file in fsys.
func New(fsys fs.FS) (*Assets, error) {
	a := &Assets{files: fsys, hashes: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: index assets: %w", err)
	}
	return a, nil
}

// Has reports whether an asset exists (a built asset may be missing when the
// binary was compiled without running the Taskfile's asset step).
func (a *Assets) Has(name string) bool { _, ok := a.hashes[name]; return ok }

// Path is the hashed URL of an asset, e.g. /static/3f2a9c1b0d4e/js/app.js.
// An unknown name still yields a URL (it answers 404) so pages never break.
func (a *Assets) Path(name string) string {
	h, ok := a.hashes[name]
	if !ok {
		h = "missing"
	}
	return URLPrefix + h + "/" + name
}

// Names lists the indexed assets, sorted.
func (a *Assets) Names() []string {
	names := make([]string, 0, len(a.hashes))
	for n := range a.hashes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ServeHTTP serves /static/{hash}/{path}. A request whose hash matches the
// current content is cached as immutable; a stale hash still gets the current
// file but without long caching. Precompressed siblings (name.gz) are used when
// the client accepts gzip, which is how the tokenizer .wasm stays small.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, URLPrefix)
	hash, name, ok := strings.Cut(rest, "/")
	name = path.Clean(name)
	if !ok || name == "." || strings.HasPrefix(name, "..") || isPrecompressed(name) {
		http.NotFound(w, r)
		return
	}
	want, known := a.hashes[name]
	if !known {
		http.NotFound(w, r)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if path.Ext(name) == ".wasm" {
		ctype = "application/wasm"
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Add("Vary", "Accept-Encoding")
	if hash == want {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	file := name
	if enc, ok := a.precompressed(name, r.Header.Get("Accept-Encoding")); ok {
		file = name + enc.suffix
		w.Header().Set("Content-Encoding", enc.name)
	}
	b, err := fs.ReadFile(a.files, file)
	if err != nil {
		http.Error(w, "asset unreadable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("ETag", `"`+want+`"`)
	if r.Header.Get("If-None-Match") == `"`+want+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(b)
}

// encoding is a precompressed sibling's file suffix and Content-Encoding.
type encoding struct{ suffix, name string }

// encodings lists the precompressed siblings in order of preference (smallest first).
func encodings() [2]encoding { return [2]encoding{{".br", "br"}, {".gz", "gzip"}} }

func isPrecompressed(name string) bool {
	for _, e := range encodings() {
		if strings.HasSuffix(name, e.suffix) {
			return true
		}
	}
	return false
}

// precompressed picks the best sibling of name that the client accepts.
func (a *Assets) precompressed(name, acceptEncoding string) (encoding, bool) {
	accepted := map[string]bool{}
	for _, part := range strings.Split(acceptEncoding, ",") {
		token, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.ReplaceAll(strings.TrimSpace(params), " ", "") == "q=0" {
			continue
		}
		accepted[strings.ToLower(strings.TrimSpace(token))] = true
	}
	for _, e := range encodings() {
		if _, ok := a.hashes[name+e.suffix]; ok && accepted[e.name] {
			return e, true
		}
	}
	return encoding{}, false
}
