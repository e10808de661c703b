// Package bytelevel is GPT-2's reversible mapping between bytes and printable
// characters: printable Latin-1 bytes map to themselves, the other 68 bytes
// to U+0100 and up, in byte order (HF's bytes_char).
package bytelevel

import "unicode/utf8"

// table maps each byte to its character.
var table = func() (t [256]rune) {
	n := rune(0)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF) {
			t[b] = rune(b)
		} else {
			t[b] = 256 + n
			n++
		}
	}
	return t
}()

// Table returns the byte-to-character table. It must not be modified.
func Table() *[256]rune { return &table }

// Char returns the character standing for byte b.
func Char(b byte) rune { return table[b] }

// Byte returns the byte that character r stands for, if any.
func Byte(r rune) (byte, bool) {
	switch {
	case r < 0 || r > 0x143:
		return 0, false
	case r < 256:
		if table[r] == r {
			return byte(r), true
		}
		return 0, false
	}
	// r = 256+n: the n-th byte (in order) that does not map to itself.
	n := r - 256
	for b := 0; b < 256; b++ {
		if table[b] >= 256 {
			if n == 0 {
				return byte(b), true
			}
			n--
		}
	}
	return 0, false
}

// Space is the character for the space byte, 'Ġ'.
const Space = 'Ġ'

// AppendString appends the characters of the bytes of s, as UTF-8: the
// text the byte-level BPE model reads for s.
func AppendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = utf8.AppendRune(dst, table[s[i]])
	}
	return dst
}
