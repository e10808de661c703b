package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/tokenizers"
)

// The in-browser tokenizer inspector: the page, the catalogue as JSON and the
// tokenizer files. The server never sees the note text: tokenization runs in
// the browser (static/js/tokenize-worker.js over static/dist/tokenizer.wasm).

// maxSideBySide is how many tokenizers the inspector compares at once.
const maxSideBySide = 4

// tokenizeLimits are the maximum-length overlays the page offers.
var tokenizeLimits = [...]int{256, 512, 1024}

// catalogue is the configured tokenizer catalogue, or an empty one.
func (s *Server) catalogue() *tokenizers.Catalogue {
	if s.cfg.Tokenizers == nil {
		return tokenizers.Empty()
	}
	return s.cfg.Tokenizers
}

func (s *Server) registerTokenize() {
	e := s.echo
	e.GET("/tokenize", s.tokenizePage)
	e.GET("/api/v1/tokenizers", s.tokenizerList)
	e.GET("/tokenizers/:file", s.tokenizerFile)
	e.HEAD("/tokenizers/:file", s.tokenizerFile)
}

// tokenizerURL is the file's address; the content hash in the query lets the
// browser keep it forever, and a new catalogue changes the URL.
func tokenizerURL(e tokenizers.Entry) string {
	u := "/tokenizers/" + e.Name + ".json"
	if e.SHA256 != "" {
		u += "?v=" + e.SHA256[:16]
	}
	return u
}

// tokenizerAPIEntry is one element of GET /api/v1/tokenizers.
type tokenizerAPIEntry struct {
	tokenizers.Entry
	FamilyTitle string `json:"family_title"`
	URL         string `json:"url,omitempty"`
}

// tokenizerListBody is the answer of GET /api/v1/tokenizers.
type tokenizerListBody struct {
	Source     string              `json:"source"`
	Tokenizers []tokenizerAPIEntry `json:"tokenizers"`
}

func (s *Server) tokenizerList(c echo.Context) error {
	out := tokenizerListBody{Tokenizers: []tokenizerAPIEntry{}} // [] for an empty catalogue, never null
	out.Source = s.catalogue().Source()
	for _, e := range s.catalogue().Entries() {
		a := tokenizerAPIEntry{Entry: e, FamilyTitle: tokenizers.FamilyTitle(e.Family)}
		if e.Available {
			a.URL = tokenizerURL(e)
		}
		out.Tokenizers = append(out.Tokenizers, a)
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, out)
}

// tokenizerFile serves /tokenizers/{name}.json, gzipped when the client
// accepts it, revalidated by ETag, and immutable when the URL carries the
// current content hash.
func (s *Server) tokenizerFile(c echo.Context) error {
	name, ok := strings.CutSuffix(c.Param("file"), ".json")
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "tokenizer files end in .json")
	}
	f, ok := s.catalogue().File(name)
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no tokenizer "+name+" in this catalogue")
	}
	h := c.Response().Header()
	h.Set("Content-Type", "application/json")
	h.Add("Vary", "Accept-Encoding")
	h.Set("ETag", f.ETag())
	if v := c.QueryParam("v"); v != "" && `"`+v+`"` == f.ETag() {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if c.Request().Header.Get("If-None-Match") == f.ETag() {
		return c.NoContent(http.StatusNotModified)
	}
	body := f.Raw()
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		gz, err := f.Gzip()
		if err != nil {
			return err
		}
		body = gz
		h.Set("Content-Encoding", "gzip")
	}
	if c.Request().Method == http.MethodHead {
		h.Set("Content-Length", strconv.Itoa(len(body)))
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, "application/json", body)
}

func (s *Server) tokenizePage(c echo.Context) error {
	samples, err := tokenizers.Samples()
	if err != nil {
		return err
	}
	a := s.cfg.Assets
	p := components.TokenizePage{
		WasmBuilt: a.Has("dist/tokenizer.wasm") && a.Has("dist/corpus.wasm") && a.Has("dist/wasm_exec.js"),
		Boot: components.TokenizeBoot{
			Worker:      a.Path("js/tokenize-worker.js"),
			Wasm:        a.Path("dist/tokenizer.wasm"),
			CorpusWasm:  a.Path("dist/corpus.wasm"),
			WasmExec:    a.Path("dist/wasm_exec.js"),
			Limits:      tokenizeLimits[:],
			MaxSelected: maxSideBySide,
			Echarts:     a.Path(echartsAsset),
		},
	}
	for _, e := range s.catalogue().Entries() {
		t := components.TokenizerChoice{
			Name: e.Name, Title: e.Title, Family: e.Family, FamilyTitle: tokenizers.FamilyTitle(e.Family),
			Models: e.Models, Relation: e.Relation, Provenance: e.Provenance, Licence: e.Licence,
			Default: e.Default, Available: e.Available, Size: e.Size,
		}
		if e.Available {
			t.URL = tokenizerURL(e)
		}
		p.Tokenizers = append(p.Tokenizers, t)
	}
	for _, sm := range samples {
		p.Samples = append(p.Samples, components.SampleNote{ID: sm.ID, Title: sm.Title, Text: sm.Text})
	}
	p.Text = samples[0].Text
	p.Boot.Tokenizers, p.Boot.Samples = p.Tokenizers, p.Samples
	ch := s.chrome("Tokenizer inspector", "tokenize", domScript, "js/tokenize.js", "js/corpus.js")
	ch.Description = "See how BERT WordPiece, GPT byte-level BPE and T5-style Unigram tokenizers split a clinical note, in your browser."
	return render(c, http.StatusOK, components.Tokenize(ch, p))
}
