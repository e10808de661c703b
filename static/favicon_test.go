package static

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"testing"
)

func TestFaviconICO(t *testing.T) {
	ico := FaviconICO()
	le := binary.LittleEndian
	if len(ico) < 22 {
		t.Fatalf("%d bytes: shorter than an icon header", len(ico))
	}
	if reserved, kind, count := le.Uint16(ico[0:]), le.Uint16(ico[2:]), le.Uint16(ico[4:]); reserved != 0 || kind != 1 || count != 1 {
		t.Fatalf("ICONDIR = %d/%d/%d, want 0/1/1", reserved, kind, count)
	}
	size, offset := le.Uint32(ico[14:]), le.Uint32(ico[18:])
	if ico[6] != 32 || ico[7] != 32 || int(offset)+int(size) != len(ico) {
		t.Fatalf("entry: %dx%d, %d bytes at %d in a %d-byte file", ico[6], ico[7], size, offset, len(ico))
	}
	img, err := png.Decode(bytes.NewReader(ico[offset:]))
	if err != nil {
		t.Fatalf("payload is not a PNG: %v", err)
	}
	cases := []struct {
		name       string
		x, y       int
		r, g, b, a uint32
	}{
		{"corner is transparent", 0, 0, 0, 0, 0, 0},
		{"background is the accent colour", 4, 4, 0x1f, 0x5f, 0x8b, 0xff},
		{"centre of the plus is white", 16, 16, 0xff, 0xff, 0xff, 0xff},
		{"arm of the plus is white", 10, 15, 0xff, 0xff, 0xff, 0xff},
	}
	for _, c := range cases {
		r, g, b, a := img.At(c.x, c.y).RGBA()
		if r>>8 != c.r || g>>8 != c.g || b>>8 != c.b || a>>8 != c.a {
			t.Errorf("%s: pixel (%d,%d) = %02x%02x%02x/%02x", c.name, c.x, c.y, r>>8, g>>8, b>>8, a>>8)
		}
	}
	if !bytes.Equal(ico, FaviconICO()) {
		t.Error("two calls gave different bytes: the icon must be deterministic (ETag, caching)")
	}
}
