package results

import (
	"embed"
	"io/fs"
)

//go:embed data/*.csv
var embedded embed.FS

// dataDir is the embedded folder that holds the data files.
const dataDir = "data"

// dataFS serves the embedded data/ folder as the root of a file system.
type dataFS struct{}

func (dataFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if name == "." {
		return embedded.Open(dataDir)
	}
	return embedded.Open(dataDir + "/" + name)
}

// DataFS returns the embedded data files with the files at its root, as Load
// expects them (also handy for serving the CSVs for download).
func DataFS() fs.FS { return dataFS{} }

// Default loads and validates the embedded data files. It parses them on
// every call; callers keep the returned *Set (it is read-only and safe for
// concurrent use).
func Default() (*Set, error) {
	return Load(DataFS())
}
