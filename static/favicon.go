package static

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
)

// FaviconICO is the dashboard's icon as a Windows .ico holding one 32×32 PNG:
// pages link the SVG (css/favicon.svg), but browsers and crawlers still ask for
// /favicon.ico. It is drawn here from the SVG's shapes (a rounded square in the
// accent colour with a white plus) so there is no second binary file to keep in
// step with the SVG.
func FaviconICO() []byte {
	const size = 32
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	accent := color.NRGBA{0x1f, 0x5f, 0x8b, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	const radius = 6
	for y := range size {
		for x := range size {
			if insideRoundedSquare(x, y, size, radius) {
				img.SetNRGBA(x, y, accent)
			}
		}
	}
	// The plus: strokes 4 px wide from 9 to 23 (the SVG's M9 16h14, M16 9v14).
	for i := 9; i < 23; i++ {
		for w := 14; w < 18; w++ {
			img.SetNRGBA(i, w, white)
			img.SetNRGBA(w, i, white)
		}
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		panic("static: encode favicon: " + err.Error()) // cannot fail for an in-memory NRGBA
	}
	// ICONDIR (6 bytes) + one ICONDIRENTRY (16 bytes) + the PNG.
	var out bytes.Buffer
	le := binary.LittleEndian
	header := []uint16{0, 1, 1} // reserved, type 1 = icon, one image
	for _, v := range header {
		_ = binary.Write(&out, le, v)
	}
	out.Write([]byte{size, size, 0, 0})    // width, height, no palette, reserved
	_ = binary.Write(&out, le, uint16(1))  // colour planes
	_ = binary.Write(&out, le, uint16(32)) // bits per pixel
	_ = binary.Write(&out, le, uint32(pngBuf.Len()))
	_ = binary.Write(&out, le, uint32(6+16))
	out.Write(pngBuf.Bytes())
	return out.Bytes()
}

// insideRoundedSquare reports whether pixel (x, y)'s centre lies in a size×size
// square whose corners are rounded with radius r.
func insideRoundedSquare(x, y, size, r int) bool {
	cx, cy := float64(x)+0.5, float64(y)+0.5
	lo, hi := float64(r), float64(size-r)
	dx, dy := 0.0, 0.0
	if cx < lo {
		dx = lo - cx
	} else if cx > hi {
		dx = cx - hi
	}
	if cy < lo {
		dy = lo - cy
	} else if cy > hi {
		dy = cy - hi
	}
	return dx*dx+dy*dy <= float64(r*r)
}
