package models

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
)

// File names inside a model folder.
const (
	ModelFile     = "model.onnx"
	TokenizerFile = "tokenizer.json"
	ManifestFile  = "manifest.json"
	// The text-to-text head reads an HF optimum encoder-decoder export
	// (`optimum-cli export onnx --task text2text-generation-with-past`):
	// the encoder and either the merged decoder or the two decoders.
	EncoderFile         = "encoder_model.onnx"
	DecoderFile         = "decoder_model.onnx"
	DecoderWithPastFile = "decoder_with_past_model.onnx"
	DecoderMergedFile   = "decoder_model_merged.onnx"
)

// DecoderLayout is how a text-to-text folder holds its decoder.
type DecoderLayout int

const (
	// NoDecoder: the head is not text-to-text.
	NoDecoder DecoderLayout = iota
	// SeparateDecoders: decoder_model.onnx for the first step,
	// decoder_with_past_model.onnx for the others (optimum's
	// --no-post-process output).
	SeparateDecoders
	// MergedDecoder: decoder_model_merged.onnx, both decoders behind a
	// use_cache_branch switch (optimum's default post-processing). It wins
	// when the folder also has the two decoders: one copy of the decoder
	// weights is loaded instead of two, and it is what optimum's own
	// ORTModelForSeq2SeqLM picks.
	MergedDecoder
)

func (l DecoderLayout) String() string {
	switch l {
	case SeparateDecoders:
		return DecoderFile + " + " + DecoderWithPastFile
	case MergedDecoder:
		return DecoderMergedFile
	}
	return "none"
}

// Entry is one model folder: its manifest when it parsed, and why it cannot
// be used when it cannot.
type Entry struct {
	// Name is the manifest's name, else the folder name.
	Name string
	Dir  string
	// Root is the repository the folder is in: every file of the folder,
	// symbolic links followed, must lie inside it.
	Root     string
	Manifest Manifest
	// Decoder is the text-to-text decoder layout found in the folder.
	Decoder DecoderLayout
	// Err is the reason the folder is unusable; nil when complete.
	Err error
}

// Path is a file inside the model's folder.
func (e Entry) Path(file string) string { return filepath.Join(e.Dir, file) }

// ModelCardPath is the model card's file, or "" when the folder has none
// (or names one outside the repository).
func (e Entry) ModelCardPath() string {
	name := e.Manifest.ModelCard
	if name == "" {
		name = "README.md"
	}
	if e.inside(name) != nil {
		return ""
	}
	p := e.Path(name)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p
	}
	return ""
}

// inside checks that a file named by the folder stays in the repository: a
// local name (no "..", not absolute) whose symbolic links, if any, resolve
// inside Root. Links within the repository are fine (one model folder may
// share another's files); a missing file is not this check's business.
func (e Entry) inside(name string) error {
	if !filepath.IsLocal(name) {
		return fmt.Errorf("%s: want a file inside the model folder", name)
	}
	real, err := filepath.EvalSymlinks(e.Path(name))
	if err != nil {
		return nil
	}
	root, err := filepath.EvalSymlinks(e.Root)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if rel, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(rel) {
		return fmt.Errorf("%s: links outside the model repository", name)
	}
	return nil
}

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidName says whether name can name a model (and its folder): letters,
// digits, '.', '_' or '-', at most 64, not starting with a mark.
func ValidName(name string) bool { return validName.MatchString(name) }

// Scan lists the model folders under dir, sorted by name. Folders whose name
// starts with "." or "_" are skipped. A missing dir is an error; a broken
// folder is an Entry with Err set.
func Scan(dir string) ([]Entry, error) {
	items, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	var out []Entry
	names := map[string]string{}
	for _, it := range items {
		if !it.IsDir() || it.Name()[0] == '.' || it.Name()[0] == '_' {
			continue
		}
		e := readEntry(dir, filepath.Join(dir, it.Name()))
		if prev, dup := names[e.Name]; dup && e.Err == nil {
			e.Err = fmt.Errorf("name %q is already used by folder %s", e.Name, prev)
		}
		names[e.Name] = it.Name()
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func readEntry(root, dir string) Entry {
	e := Entry{Name: filepath.Base(dir), Dir: dir, Root: root}
	if err := e.inside(ManifestFile); err != nil {
		e.Err = err
		return e
	}
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		e.Err = missingFile(ManifestFile, err)
		return e
	}
	m, err := ParseManifest(data)
	if err != nil {
		e.Err = err
		return e
	}
	if m.Name != "" {
		e.Name = m.Name
	}
	e.Manifest = m
	if !validName.MatchString(e.Name) {
		e.Err = fmt.Errorf("name %q: use letters, digits, '.', '_' or '-' (at most 64)", e.Name)
		return e
	}
	files := m.Files()
	if m.Head == HeadTextToText && m.Remote == nil {
		e.Decoder = SeparateDecoders
		if _, err := os.Stat(filepath.Join(dir, DecoderMergedFile)); err == nil {
			e.Decoder = MergedDecoder
		}
		files = append(files, e.Decoder.files()...)
	}
	var errs []error
	if m.ModelCard != "" {
		if err := e.inside(m.ModelCard); err != nil {
			errs = append(errs, fmt.Errorf("model_card %w", err))
		}
	}
	for _, f := range files {
		if err := e.inside(f); err != nil {
			errs = append(errs, err)
			continue
		}
		st, err := os.Stat(filepath.Join(dir, f))
		switch {
		case err != nil && e.Decoder == SeparateDecoders && (f == DecoderFile || f == DecoderWithPastFile):
			errs = append(errs, fmt.Errorf("%w (a text-to-text folder holds %s, or %s and %s)", missingFile(f, err), DecoderMergedFile, DecoderFile, DecoderWithPastFile))
		case err != nil:
			errs = append(errs, missingFile(f, err))
		case st.IsDir() || st.Size() == 0:
			errs = append(errs, fmt.Errorf("%s is empty or not a file", f))
		}
	}
	e.Err = errors.Join(errs...)
	return e
}

// files are the decoder files of a layout.
func (l DecoderLayout) files() []string {
	switch l {
	case SeparateDecoders:
		return []string{DecoderFile, DecoderWithPastFile}
	case MergedDecoder:
		return []string{DecoderMergedFile}
	}
	return nil
}

func missingFile(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s is missing", name)
	}
	return fmt.Errorf("%s: %w", name, err)
}
