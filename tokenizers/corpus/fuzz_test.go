package corpus

import (
	"testing"
	"unicode/utf8"
)

// FuzzSplitter: any bytes, cut anywhere, give the same notes and errors as
// the whole file, every note valid UTF-8 and within MaxNoteBytes, no panic.
func FuzzSplitter(f *testing.F) {
	f.Add([]byte("{\"text\":\"a\"}\n{\"text\":\"b\"}\n"), uint8(3), uint8(1))
	f.Add([]byte("text\n\"a,\nb\"\nc\n"), uint8(2), uint8(2))
	f.Add([]byte("a\xffb"), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, cut uint8, which uint8) {
		format := []Format{FormatJSONL, FormatCSV, FormatText}[int(which)%3]
		whole, wholeBad := split(t, format, string(data), 0)
		parts, partsBad := split(t, format, string(data), int(cut)+1)
		if len(whole) != len(parts) || len(wholeBad) != len(partsBad) {
			t.Fatalf("%s: %d notes, %d errors whole; %d and %d in chunks of %d", format, len(whole), len(wholeBad), len(parts), len(partsBad), int(cut)+1)
		}
		for i, n := range whole {
			if n != parts[i] {
				t.Fatalf("%s: note %d differs: %+v vs %+v", format, i, n, parts[i])
			}
			if !utf8.ValidString(n.Text) || len(n.Text) > MaxNoteBytes {
				t.Fatalf("%s: note %d is not valid UTF-8 or too long", format, i)
			}
		}
	})
}
