// Package tokenizers is the catalogue of tokenizer.json files that the
// dashboard serves to the in-browser tokenizer inspector, with what each one is
// (family, which of the paper's models use it, provenance, licence), and the
// synthetic sample notes the inspector opens with.
//
// The default catalogue is embedded: vocabularies we trained ourselves are
// committed under files/, and files built from registry packages are generated
// into files/built/ by the Taskfile's catalogue task. A binary built without
// that step still serves the committed entries and lists the others as missing.
package tokenizers

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
)

//go:embed all:files
var embedded embed.FS

// ManifestName is the catalogue's manifest inside its folder.
const ManifestName = "catalogue.json"

// familyOfModelType maps an HF model type to the catalogue's family key.
func familyOfModelType(typ string) (string, bool) {
	switch typ {
	case "WordPiece":
		return "wordpiece", true
	case "BPE":
		return "bpe", true
	case "Unigram":
		return "unigram", true
	case "WordLevel":
		return "wordlevel", true
	}
	return "", false
}

// FamilyTitle names a family for people.
func FamilyTitle(family string) string {
	switch family {
	case "wordpiece":
		return "BERT WordPiece"
	case "bpe":
		return "Byte-pair encoding (GPT-2 / RoBERTa style)"
	case "unigram":
		return "SentencePiece Unigram (T5 style)"
	case "wordlevel":
		return "Word level"
	default:
		return family
	}
}

// Entry describes one tokenizer of the catalogue.
type Entry struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	// Family is wordpiece, bpe, unigram or wordlevel.
	Family string `json:"family"`
	// File is the tokenizer.json's path inside the catalogue folder.
	File string `json:"-"`
	// Default entries are the inspector's initial side-by-side selection.
	Default bool `json:"default"`
	// Models are the paper's models that tokenize with this family; Relation
	// says how close this file is to theirs (exact, same merges, same algorithm).
	Models     []string `json:"models"`
	Relation   string   `json:"relation"`
	Provenance string   `json:"provenance"`
	Licence    string   `json:"licence"`

	// Available is false when the file is missing (a registry-built file in a
	// binary compiled without the catalogue step).
	Available bool `json:"available"`
	// Size is the file's length in bytes; SHA256 is its content hash (hex).
	Size   int    `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// manifest is the on-disk catalogue.json.
type manifest struct {
	Tokenizers []Entry `json:"tokenizers"`
}

// manifestEntry mirrors Entry for decoding, so that File is read from JSON
// while it stays out of API responses.
type manifestEntry struct {
	Entry
	File string `json:"file"`
}

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// File is one tokenizer.json, kept in memory with a gzip copy made on first use.
type File struct {
	raw  []byte
	etag string

	gzOnce sync.Once
	gz     []byte
	gzErr  error
}

// Raw is the tokenizer.json as stored.
func (f *File) Raw() []byte { return f.raw }

// ETag is a strong validator derived from the content.
func (f *File) ETag() string { return f.etag }

// Gzip is the file compressed once (level 9) and reused for every response.
func (f *File) Gzip() ([]byte, error) {
	f.gzOnce.Do(func() {
		var buf bytes.Buffer
		w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if err != nil {
			f.gzErr = err
			return
		}
		if _, err := w.Write(f.raw); err != nil {
			f.gzErr = err
			return
		}
		if err := w.Close(); err != nil {
			f.gzErr = err
			return
		}
		f.gz = buf.Bytes()
	})
	return f.gz, f.gzErr
}

// Catalogue is a loaded set of tokenizer files. It is read-only after Load and
// safe for concurrent use.
type Catalogue struct {
	source  string
	entries []Entry
	files   map[string]*File
}

// Default is the catalogue embedded in the binary.
func Default() (*Catalogue, error) {
	sub, err := fs.Sub(embedded, "files")
	if err != nil {
		return nil, err
	}
	c, err := Load(sub)
	if err != nil {
		return nil, err
	}
	c.source = "embedded catalogue"
	return c, nil
}

// Load reads a catalogue folder. With a catalogue.json the manifest decides the
// entries; without one, every *.json file in the folder is an entry named after
// the file, its family read from the file's model type.
func Load(fsys fs.FS) (*Catalogue, error) {
	c := &Catalogue{source: "catalogue folder", files: map[string]*File{}}
	raw, err := fs.ReadFile(fsys, ManifestName)
	switch {
	case err == nil:
		entries, err := decodeManifest(raw)
		if err != nil {
			return nil, err
		}
		c.entries = entries
	case errors.Is(err, fs.ErrNotExist):
		entries, err := scanFolder(fsys)
		if err != nil {
			return nil, err
		}
		c.entries = entries
	default:
		return nil, fmt.Errorf("tokenizers: read %s: %w", ManifestName, err)
	}
	for i := range c.entries {
		e := &c.entries[i]
		b, err := fs.ReadFile(fsys, e.File)
		if errors.Is(err, fs.ErrNotExist) {
			continue // listed, but not built into this catalogue
		}
		if err != nil {
			return nil, fmt.Errorf("tokenizers: %s: %w", e.Name, err)
		}
		if err := checkTokenizerJSON(b); err != nil {
			return nil, fmt.Errorf("tokenizers: %s (%s): %w", e.Name, e.File, err)
		}
		sum := sha256.Sum256(b)
		e.Available, e.Size, e.SHA256 = true, len(b), hex.EncodeToString(sum[:])
		c.files[e.Name] = &File{raw: b, etag: `"` + e.SHA256[:16] + `"`}
	}
	return c, nil
}

func decodeManifest(raw []byte) ([]Entry, error) {
	var m struct {
		Tokenizers []manifestEntry `json:"tokenizers"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("tokenizers: %s: %w", ManifestName, err)
	}
	if len(m.Tokenizers) == 0 {
		return nil, fmt.Errorf("tokenizers: %s lists no tokenizers", ManifestName)
	}
	seen := map[string]bool{}
	out := make([]Entry, 0, len(m.Tokenizers))
	for i, me := range m.Tokenizers {
		e := me.Entry
		e.File = me.File
		switch {
		case !validName.MatchString(e.Name):
			return nil, fmt.Errorf("tokenizers: entry %d: name %q must match %s", i, e.Name, validName)
		case seen[e.Name]:
			return nil, fmt.Errorf("tokenizers: entry %q is listed twice", e.Name)
		case e.File == "" || path.IsAbs(e.File) || strings.HasPrefix(path.Clean(e.File), ".."):
			return nil, fmt.Errorf("tokenizers: entry %q: file %q must be a path inside the catalogue folder", e.Name, e.File)
		case FamilyTitle(e.Family) == e.Family:
			return nil, fmt.Errorf("tokenizers: entry %q: unknown family %q", e.Name, e.Family)
		}
		seen[e.Name] = true
		if e.Title == "" {
			e.Title = e.Name
		}
		if e.Models == nil {
			e.Models = []string{}
		}
		e.File = path.Clean(e.File)
		out = append(out, e)
	}
	return out, nil
}

// scanFolder turns a folder of tokenizer.json files into entries.
func scanFolder(fsys fs.FS) ([]Entry, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	var out []Entry
	seen := map[string]string{}
	for _, file := range names {
		name := strings.ToLower(strings.TrimSuffix(file, ".json"))
		if !validName.MatchString(name) {
			return nil, fmt.Errorf("tokenizers: file %q: its name must match %s (it becomes the URL)", file, validName)
		}
		if other, dup := seen[name]; dup {
			return nil, fmt.Errorf("tokenizers: files %q and %q both become %q", other, file, name)
		}
		seen[name] = file
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, err
		}
		family, err := familyOf(b)
		if err != nil {
			return nil, fmt.Errorf("tokenizers: %s: %w", file, err)
		}
		out = append(out, Entry{
			Name: name, Title: name, Family: family, File: file, Models: []string{},
			Relation:   "A tokenizer from the folder given to --tokenizers.",
			Provenance: "Local file " + file + ".",
			Licence:    "not stated",
		})
	}
	if len(out) == 0 {
		return nil, errors.New("tokenizers: the folder has no catalogue.json and no *.json tokenizer files")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for i := 0; i < len(out) && i < 2; i++ {
		out[i].Default = true
	}
	return out, nil
}

// familyOf reads a tokenizer.json's model type; files from older HF versions
// carry no "type", and their model is recognised by its fields as the Rust
// library does.
func familyOf(b []byte) (string, error) {
	var doc struct {
		Model map[string]json.RawMessage `json:"model"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return "", fmt.Errorf("not a tokenizer.json: %w", err)
	}
	if doc.Model == nil {
		return "", errors.New("not a tokenizer.json: no \"model\"")
	}
	var typ string
	if t, ok := doc.Model["type"]; ok {
		if err := json.Unmarshal(t, &typ); err != nil {
			return "", fmt.Errorf("model type: %w", err)
		}
	} else {
		switch {
		case doc.Model["merges"] != nil:
			typ = "BPE"
		case doc.Model["continuing_subword_prefix"] != nil && doc.Model["max_input_chars_per_word"] != nil:
			typ = "WordPiece"
		case doc.Model["unk_id"] != nil:
			typ = "Unigram"
		default:
			typ = "WordLevel"
		}
	}
	family, ok := familyOfModelType(typ)
	if !ok {
		return "", fmt.Errorf("unsupported model type %q", typ)
	}
	return family, nil
}

// checkTokenizerJSON rejects files that are not tokenizer.json at all, so a bad
// catalogue fails at start-up, not in a user's browser.
func checkTokenizerJSON(b []byte) error {
	_, err := familyOf(b)
	return err
}

// Empty is a catalogue with no entries (a server configured without one).
func Empty() *Catalogue {
	return &Catalogue{source: "no catalogue", files: map[string]*File{}}
}

// Source says where the catalogue came from, for start-up checks.
func (c *Catalogue) Source() string { return c.source }

// Entries lists the catalogue in manifest order; the slice is a copy.
func (c *Catalogue) Entries() []Entry {
	out := make([]Entry, len(c.entries))
	copy(out, c.entries)
	for i := range out {
		out[i].Models = append([]string{}, out[i].Models...)
	}
	return out
}

// File returns an available entry's file.
func (c *Catalogue) File(name string) (*File, bool) {
	f, ok := c.files[name]
	return f, ok
}

// Missing names the listed entries whose files are absent.
func (c *Catalogue) Missing() []string {
	var out []string
	for _, e := range c.entries {
		if !e.Available {
			out = append(out, e.Name)
		}
	}
	return out
}
