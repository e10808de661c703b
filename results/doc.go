// Package results holds the numbers of "Do We Still Need Clinical Language
// Models?" (Lehman et al., CHIL 2023) as CSV data files and a typed,
// validating loader over them.
//
// The data files live in data/ and are embedded; Default loads them. Load
// reads the same files from any fs.FS, which is how tests feed it broken
// files. Every problem found while loading is reported as a *FieldError that
// names the file, the row (the line number in the file; the header is line 1)
// and the field, for example:
//
//	metrics.csv: row 7: field "std": -0.1 is below 0
//
// A loaded *Set is read-only: its methods return copies, so callers may keep
// or change what they get without affecting the Set.
//
// The analysis functions (cost equations 1–6, 6PT recomputation of the FLOPs
// table, the Figure 3 regression and Pareto frontier, ties within one std)
// are pure functions of their inputs.
package results
