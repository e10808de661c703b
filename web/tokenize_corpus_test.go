package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runTokenizeArgs(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"tokenize"}, args...),
		stdio{in: strings.NewReader(""), out: &out, err: &errb, getenv: envMap(nil)})
	return code, out.String(), errb.String()
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTokenizeSpansCommand(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"n1.txt":      "Pt on metoprolol 25 mg for HTN.",
		"n1.ann":      "T1\tDrug 6 16\tmetoprolol\nT2\tDose 17 22\t25 mg\nT3\tPart 10 16\tprolol\nT4\tBad 5\nA1\tNegated T1\n",
		"docs.jsonl":  `{"id":"d1","text":"Pt on metoprolol","spans":[{"start":6,"end":16,"label":"Drug"},{"start":6,"end":99,"label":"Drug"}]}` + "\n",
		"notes.ann":   "T1\tDrug 0 2\tPt\n",
		"unknown.xml": "<x/>",
	})
	collection := writeFiles(t, map[string]string{
		"a.txt": "Pt on metoprolol.", "a.ann": "T1\tDrug 6 16\tmetoprolol\n",
		"b.txt": "Start apixaban.", "b.ann": "T1\tDrug 6 14\tapixaban\n", "README": "not a note",
	})
	cases := []struct {
		name               string
		args               []string
		code               int
		stdout, stderr     []string // substrings
		notStdout          []string
		conllTags, jsonTag bool
	}{
		{name: "summary", args: []string{"--tokenizer", "clinical-wordpiece,clinical-bpe", "--spans", filepath.Join(dir, "n1.ann")},
			stdout: []string{"Part   clinical-bpe", "n1\tclinical-wordpiece\tT3\tPart\t10-16\tstart-inside-token,overlaps-another-span"},
			stderr: []string{`n1.ann:4: offsets "5" are not START END`}},
		{name: "conll tags", args: []string{"--tokenizer", "clinical-wordpiece", "--spans", filepath.Join(dir, "n1.ann"), "--tags", "conll"},
			stdout: []string{"# id = n1\n", "met\tB-Drug\n", "##oprol\tI-Drug\n", "25\tB-Dose\n", "# misaligned = T3 Part 10 16 start-inside-token"},
			stderr: []string{"Drug"}, notStdout: []string{"aligned  "}},
		{name: "jsonl tags", args: []string{"--tokenizer", "clinical-wordpiece", "--spans", filepath.Join(dir, "docs.jsonl"), "--tags", "jsonl"},
			stdout: []string{`"id":"d1"`, `"tags":["O","O","O","B-Drug","I-Drug","I-Drug"]`},
			stderr: []string{"docs.jsonl:1: span 2: span 6 99 ends beyond the text (16 characters)"}},
		{name: "truncation limit", args: []string{"--tokenizer", "clinical-wordpiece", "--spans", filepath.Join(dir, "n1.ann"), "--max-length", "4"},
			stdout: []string{"n1\tclinical-wordpiece\tT2\tDose\t17-22\ttruncated"}},
		{name: "a BRAT folder", args: []string{"--tokenizer", "clinical-wordpiece", "--spans", collection},
			stdout: []string{"Drug   clinical-wordpiece  2      2"}},
		{name: "a BRAT folder with a note missing", args: []string{"--tokenizer", "clinical-wordpiece", "--spans", dir},
			code: 1, stderr: []string{"the note of a BRAT .ann file is the .txt beside it"}},
		{name: "ann without its text", args: []string{"--tokenizer", "clinical-wordpiece", "--spans", filepath.Join(dir, "notes.ann")},
			code: 1, stderr: []string{"the note of a BRAT .ann file is the .txt beside it"}},
		{name: "unknown format", args: []string{"--tokenizer", "clinical-wordpiece", "--spans", filepath.Join(dir, "unknown.xml")},
			code: 1, stderr: []string{"annotations are a BRAT .ann file or a .jsonl file"}},
		{name: "bad tags", args: []string{"--tokenizer", "clinical-wordpiece", "--spans", filepath.Join(dir, "n1.ann"), "--tags", "xml"},
			code: 2, stderr: []string{"--tags is conll or jsonl"}},
	}
	for _, tc := range cases {
		code, stdout, stderr := runTokenizeArgs(t, tc.args...)
		if code != tc.code {
			t.Errorf("%s: exit %d, want %d; stderr %s", tc.name, code, tc.code, stderr)
			continue
		}
		for _, s := range tc.stdout {
			if !strings.Contains(stdout, s) {
				t.Errorf("%s: stdout lacks %q:\n%s", tc.name, s, stdout)
			}
		}
		for _, s := range tc.notStdout {
			if strings.Contains(stdout, s) {
				t.Errorf("%s: stdout has %q:\n%s", tc.name, s, stdout)
			}
		}
		for _, s := range tc.stderr {
			if !strings.Contains(stderr, s) {
				t.Errorf("%s: stderr lacks %q:\n%s", tc.name, s, stderr)
			}
		}
	}
}

func TestTokenizeStatsCommand(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"notes.jsonl": `{"text":"Pt on metoprolol 25 mg."}` + "\n" + `{"text":"BP 120/80, HR 72."}` + "\nbroken\n",
		"notes.csv":   "id,text\n1,\"Pt on metoprolol,\n25 mg.\"\n2,BP 120/80\n",
	})
	folder := writeFiles(t, map[string]string{"a.txt": "Pt on metoprolol.", "b.txt": "HR 72.", "skip.md": "#"})
	cases := []struct {
		name  string
		path  string
		notes string
		err   string
	}{
		{"jsonl", filepath.Join(dir, "notes.jsonl"), "2", "line 3: not a JSON object"},
		{"csv", filepath.Join(dir, "notes.csv"), "2", ""},
		{"folder", folder, "2", ""},
	}
	for _, tc := range cases {
		code, stdout, stderr := runTokenizeArgs(t, "--tokenizer", "clinical-wordpiece,clinical-unigram", "--stats", tc.path)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", tc.name, code, stderr)
			continue
		}
		rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
		if err != nil || len(rows) != 3 || rows[0][0] != "tokenizer" || rows[1][0] != "clinical-wordpiece" || rows[2][0] != "clinical-unigram" {
			t.Errorf("%s: want a header and one row per tokenizer, got %q (%v)", tc.name, stdout, err)
			continue
		}
		if rows[1][1] != tc.notes {
			t.Errorf("%s: %s notes, want %s", tc.name, rows[1][1], tc.notes)
		}
		if !strings.Contains(stderr, tc.err) {
			t.Errorf("%s: stderr %q lacks %q", tc.name, stderr, tc.err)
		}
	}
	if code, _, stderr := runTokenizeArgs(t, "--tokenizer", "clinical-wordpiece", "--stats", filepath.Join(dir, "notes.jsonl"), "--spans", "x.ann"); code != 2 || !strings.Contains(stderr, "separate runs") {
		t.Errorf("--stats with --spans: exit %d, %s", code, stderr)
	}
}
