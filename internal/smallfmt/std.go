//go:build !(js && wasm) && !smalljson

package smallfmt

import "fmt"

// Errorf is fmt.Errorf in this build.
func Errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// Sprintf is fmt.Sprintf in this build.
func Sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
