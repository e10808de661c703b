package results

import (
	"errors"
	"slices"
)

// Line is an ordinary least-squares fit y = Slope·x + Intercept.
type Line struct {
	Slope     float64 `json:"slope"`
	Intercept float64 `json:"intercept"`
	// R2 is the coefficient of determination; 1 when the points are fitted
	// exactly (always so for two points).
	R2 float64 `json:"r2"`
	N  int     `json:"n"`
}

// At evaluates the line at x.
func (l Line) At(x float64) float64 { return l.Slope*x + l.Intercept }

// FitLine fits y on x by ordinary least squares. It needs at least two
// points with different x.
func FitLine(xs, ys []float64) (Line, error) {
	if len(xs) != len(ys) {
		return Line{}, errors.New("x and y differ in length")
	}
	n := len(xs)
	if n < 2 {
		return Line{}, errors.New("need at least two points")
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxx, sxy, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxx += dx * dx
		sxy += dx * dy
		syy += dy * dy
	}
	if sxx == 0 {
		return Line{}, errors.New("all x values are equal")
	}
	slope := sxy / sxx
	l := Line{Slope: slope, Intercept: my - slope*mx, N: n, R2: 1}
	if syy > 0 {
		var ssr float64
		for i := range xs {
			d := ys[i] - l.At(xs[i])
			ssr += d * d
		}
		l.R2 = 1 - ssr/syy
	}
	return l, nil
}

// ParetoFrontier returns the points no other point beats: for each point on
// the frontier, no point with X ≤ its X has a Y ≥ its Y (other than itself).
// In Figure 3's terms, the best score reachable for at most that much
// compute. The result is sorted by X; the input is not changed.
func ParetoFrontier(points []Point) []Point {
	sorted := slices.Clone(points)
	slices.SortStableFunc(sorted, func(a, b Point) int {
		switch {
		case a.X < b.X:
			return -1
		case a.X > b.X:
			return 1
		case a.Y > b.Y:
			return -1
		case a.Y < b.Y:
			return 1
		}
		return 0
	})
	var out []Point
	for _, p := range sorted {
		if len(out) == 0 || p.Y > out[len(out)-1].Y {
			out = append(out, p)
		}
	}
	return out
}
