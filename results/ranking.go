package results

import "slices"

// tieEpsilon absorbs binary rounding of three-decimal scores when comparing
// interval ends (0.729 + 0.005 vs 0.759 − 0.029).
const tieEpsilon = 1e-9

// Standing is a result with its place on a leaderboard column.
type Standing struct {
	Result
	// Rank is the competition rank (1, 2, 2, 4) by value within the
	// row's task and metric.
	Rank int `json:"rank"`
	// Best marks the rows with the top value.
	Best bool `json:"best"`
	// TiedWithBest marks rows whose value ± std interval overlaps the
	// interval of a top row (a missing std counts as 0). Best rows are tied.
	TiedWithBest bool `json:"tied_with_best"`
}

// Rank ranks rows within each task × metric. Groups appear in the order of
// their first row; within a group rows are sorted by value, highest first,
// keeping input order among equal values.
func Rank(rows []Result) []Standing {
	type key struct{ task, metric string }
	var order []key
	groups := map[key][]Result{}
	for _, r := range rows {
		k := key{r.Task, r.Metric}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r.clone())
	}
	var out []Standing
	for _, k := range order {
		g := groups[k]
		slices.SortStableFunc(g, func(a, b Result) int {
			switch {
			case a.Value > b.Value:
				return -1
			case a.Value < b.Value:
				return 1
			}
			return 0
		})
		top := g[0].Value
		var bestLows []float64
		for _, r := range g {
			if r.Value == top {
				bestLows = append(bestLows, r.Value-r.StdOrZero())
			}
		}
		lowest := slices.Min(bestLows)
		for i, r := range g {
			rank := i + 1
			if i > 0 && r.Value == g[i-1].Value {
				rank = out[len(out)-1].Rank
			}
			out = append(out, Standing{
				Result:       r,
				Rank:         rank,
				Best:         r.Value == top,
				TiedWithBest: r.Value+r.StdOrZero() >= lowest-tieEpsilon,
			})
		}
	}
	return out
}
