//go:build (js && wasm) || smalljson

package smallfmt

// Errorf formats like fmt.Errorf, %w wrapping included (format.go).
func Errorf(format string, a ...any) error { return errorf(format, a...) }

// Sprintf formats like fmt.Sprintf for the verbs and types of format.go.
func Sprintf(format string, a ...any) string { return sprintf(format, a...) }
