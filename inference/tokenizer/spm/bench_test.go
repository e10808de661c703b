package spm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/internal/testenv"
)

// BenchmarkCharsmapNormalize normalizes the lines of the shared ADE and SICK
// text with the T5 map; results are per input byte and per line.
func BenchmarkCharsmapNormalize(b *testing.B) {
	cm := loadT5Charsmap(b)
	var lines []string
	size := 0
	for _, rel := range []string{"data/ade/ADE-NEG.txt", "data/sick/SICK.txt"} {
		data, err := os.ReadFile(filepath.Join(testenv.SharedPath(b), rel))
		if err != nil {
			b.Skipf("benchmark text %s not available: %v", rel, err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" {
				lines = append(lines, l)
				size += len(l)
			}
		}
	}
	for _, mode := range []string{"segments", "string"} {
		b.Run(mode, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, l := range lines {
					if mode == "segments" {
						_ = cm.Normalize(l)
					} else {
						_ = cm.NormalizeString(l)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/byte")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/line")
		})
	}
}
