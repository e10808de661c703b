package normalized

import "unsafe"

// bytesToString returns b as a string without copying. b must not be
// modified afterwards: every caller builds a fresh buffer, converts it once
// and drops it (strings.Builder does the same).
func bytesToString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
