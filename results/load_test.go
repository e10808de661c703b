package results

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// goodFS copies the embedded data files into a MapFS the tests can break.
func goodFS(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	for _, name := range Files() {
		data, err := fs.ReadFile(DataFS(), name)
		if err != nil {
			t.Fatalf("embedded %s: %v", name, err)
		}
		m[name] = &fstest.MapFile{Data: data}
	}
	return m
}

// setLine replaces line n (1-based; the header is line 1) of a file.
func setLine(t *testing.T, m fstest.MapFS, file string, n int, text string) {
	t.Helper()
	lines := strings.Split(string(m[file].Data), "\n")
	if n < 1 || n > len(lines) {
		t.Fatalf("%s has no line %d", file, n)
	}
	lines[n-1] = text
	m[file] = &fstest.MapFile{Data: []byte(strings.Join(lines, "\n"))}
}

// appendLine adds a line at the end of a file.
func appendLine(m fstest.MapFS, file, text string) {
	m[file] = &fstest.MapFile{Data: append(m[file].Data, []byte(text+"\n")...)}
}

func TestLoadEmbeddedIsValid(t *testing.T) {
	if _, err := Load(goodFS(t)); err != nil {
		t.Fatalf("the copied data files do not load: %v", err)
	}
}

// Line 7 of metrics.csv is Clinical-T5-Base-Ckpt MedNLI accuracy.
const ckptMedNLI = "Clinical-T5-Base-Ckpt,MedNLI,accuracy,0.852,Table 2,0.007,Table 7,,,Not in Table 3; mean from Table 2"

func TestLoadReportsBadFiles(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(t *testing.T, m fstest.MapFS)
		// want is the exact message of the single expected problem.
		want  string
		file  string
		row   int
		field string
	}{
		{
			name: "bad type",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, "0.852", "high", 1))
			},
			want: `metrics.csv: row 7: field "value": "high" is not a number`,
			file: FileMetrics, row: 7, field: "value",
		},
		{
			name: "value above 1",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, "0.852", "85.2", 1))
			},
			want: `metrics.csv: row 7: field "value": 85.2 is above 1`,
			file: FileMetrics, row: 7, field: "value",
		},
		{
			name: "value below 0",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, "0.852", "-0.5", 1))
			},
			want: `metrics.csv: row 7: field "value": -0.5 is below 0`,
			file: FileMetrics, row: 7, field: "value",
		},
		{
			name: "negative std",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, "0.007", "-0.1", 1))
			},
			want: `metrics.csv: row 7: field "std": -0.1 is below 0`,
			file: FileMetrics, row: 7, field: "std",
		},
		{
			name: "negative std in the ablation",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileAblation, 2, "PubMedGPT,MedNLI,accuracy,0.01,0.597,-0.011,Table 11,")
			},
			want: `ablation.csv: row 2: field "std": -0.011 is below 0`,
			file: FileAblation, row: 2, field: "std",
		},
		{
			name: "unknown model",
			break_: func(t *testing.T, m fstest.MapFS) {
				appendLine(m, FileMetrics, "FooBERT,MedNLI,accuracy,0.5,Table 3,0.01,Table 7,,,")
			},
			want: `metrics.csv: row 82: field "model": unknown model "FooBERT"`,
			file: FileMetrics, row: 82, field: "model",
		},
		{
			name: "alias instead of the model's name",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileAblation, 2, "PubMed GPT,MedNLI,accuracy,0.01,0.597,0.011,Table 11,")
			},
			want: `ablation.csv: row 2: field "model": "PubMed GPT" is an alias; write the model's name "PubMedGPT"`,
			file: FileAblation, row: 2, field: "model",
		},
		{
			name: "unknown task",
			break_: func(t *testing.T, m fstest.MapFS) {
				appendLine(m, FileMetrics, "T5-Base,n2c2,accuracy,0.5,Table 3,0.01,Table 7,,,")
			},
			want: `metrics.csv: row 82: field "task": unknown task "n2c2"`,
			file: FileMetrics, row: 82, field: "task",
		},
		{
			name: "unknown metric",
			break_: func(t *testing.T, m fstest.MapFS) {
				appendLine(m, FileMetrics, "T5-Base,RadQA,accuracy,0.5,Table 3,0.01,Table 9,,,")
			},
			want: `metrics.csv: row 82: field "metric": unknown metric "accuracy" for task RadQA (want exact_match or f1)`,
			file: FileMetrics, row: 82, field: "metric",
		},
		{
			name:   "duplicate row",
			break_: func(t *testing.T, m fstest.MapFS) { appendLine(m, FileMetrics, ckptMedNLI) },
			want:   `metrics.csv: row 82: field "model": duplicate row for Clinical-T5-Base-Ckpt MedNLI accuracy (first at row 7)`,
			file:   FileMetrics, row: 82, field: "model",
		},
		{
			name: "duplicate ablation cell",
			break_: func(t *testing.T, m fstest.MapFS) {
				appendLine(m, FileAblation, "PubMedGPT,MedNLI,accuracy,0.01,0.597,0.011,Table 11,")
			},
			want: `ablation.csv: row 127: field "model": duplicate row for PubMedGPT MedNLI accuracy at 0.01 (first at row 2)`,
			file: FileAblation, row: 127, field: "model",
		},
		{
			name: "missing source",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, "Table 2", "", 1))
			},
			want: `metrics.csv: row 7: field "source": missing`,
			file: FileMetrics, row: 7, field: "source",
		},
		{
			name: "missing std source",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, "Table 7", "", 1))
			},
			want: `metrics.csv: row 7: field "std_source": missing`,
			file: FileMetrics, row: 7, field: "std_source",
		},
		{
			name: "unknown source",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, "Table 2", "Table 99", 1))
			},
			want: `metrics.csv: row 7: field "source": unknown source "Table 99" (not in sources.csv)`,
			file: FileMetrics, row: 7, field: "source",
		},
		{
			name: "alt value without its source",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, ",,,", ",0.85,,", 1))
			},
			want: `metrics.csv: row 7: field "alt_source": missing`,
			file: FileMetrics, row: 7, field: "alt_source",
		},
		{
			name: "missing row",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, "")
			},
			want: `metrics.csv: field "model": no row for Clinical-T5-Base-Ckpt MedNLI accuracy`,
			file: FileMetrics, row: 0, field: "model",
		},
		{
			name: "malformed CSV: bare quote",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, "0.852", `0.8"52`, 1))
			},
			want: `metrics.csv: row 7: field "value": malformed CSV: bare " in non-quoted-field`,
			file: FileMetrics, row: 7, field: "value",
		},
		{
			name: "malformed CSV: too few fields",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileTable2, 2, "T5-Base,220M,MedNLI,accuracy")
			},
			want: `table2.csv: row 2: field "value": malformed CSV: missing (row has 4 fields, header has 5)`,
			file: FileTable2, row: 2, field: "value",
		},
		{
			name: "malformed CSV: unterminated quote",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileICLLines, 2, `"GPT-3 Few-Shot,GPT-3,MedNLI,accuracy,0.805,REPO graphing_ablation_side_by_side.py`)
			},
			want: `icl_lines.csv: row 2: field "line": malformed CSV: extraneous or missing " in quoted-field`,
			file: FileICLLines, row: 2, field: "line",
		},
		{
			name: "header lacks a column",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileTable8, 1, "label,model,dapt_steps,clinical_ptt,accuracy")
			},
			want: `table8.csv: row 1: field "std": missing column in the header`,
			file: FileTable8, row: 1, field: "std",
		},
		{
			name: "unknown column",
			break_: func(t *testing.T, m fstest.MapFS) {
				data := strings.Replace(string(m[FileSources].Data), "id,page,title", "id,page,title,url", 1)
				m[FileSources] = &fstest.MapFile{Data: []byte(data)}
			},
			want: `sources.csv: row 1: field "url": unknown column`,
			file: FileSources, row: 1, field: "url",
		},
		{
			name: "bad printed quantity",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileFLOPs, 2, "T5-Base,4.5X+19,6.6E+17,–,Table 3")
			},
			want: `flops.csv: row 2: field "general": "4.5X+19" is not a printed quantity (like "220M", "0.5B", "4.5E+19", "–" or "?")`,
			file: FileFLOPs, row: 2, field: "general",
		},
		{
			name: "domain disagrees with the tokens",
			break_: func(t *testing.T, m fstest.MapFS) {
				data := strings.Replace(string(m[FileModels].Data), "PubMedGPT,false,GPT,2.7B,Table 1,Decoder Only,–,300B,–,Table 1,biomedical",
					"PubMedGPT,false,GPT,2.7B,Table 1,Decoder Only,–,300B,–,Table 1,general", 1)
				m[FileModels] = &fstest.MapFile{Data: []byte(data)}
			},
			want: `models.csv: row 10: field "domain": "general" disagrees with the pretraining-token rule, which gives "biomedical"`,
			file: FileModels, row: 10, field: "domain",
		},
		{
			name: "unknown method",
			break_: func(t *testing.T, m fstest.MapFS) {
				data := strings.Replace(string(m[FileModels].Data), ",in-context,§3.2,text-davinci-003", ",zero-shot,§3.2,text-davinci-003", 1)
				m[FileModels] = &fstest.MapFile{Data: []byte(data)}
			},
			want: `models.csv: row 13: field "method": unknown method "zero-shot" (want finetuned or in-context)`,
			file: FileModels, row: 13, field: "method",
		},
		{
			name: "fraction without an example count",
			break_: func(t *testing.T, m fstest.MapFS) {
				setLine(t, m, FileAblation, 2, "PubMedGPT,MedNLI,accuracy,0.5,0.597,0.011,Table 11,")
			},
			want: `ablation.csv: row 2: field "fraction": no row in ablation_sizes.csv for MedNLI at 0.5`,
			file: FileAblation, row: 2, field: "fraction",
		},
		{
			name: "unknown cost input",
			break_: func(t *testing.T, m fstest.MapFS) {
				appendLine(m, FileCostInputs, "gpu_hours,220,≈ 220 hours,hours,Appendix A.3,")
			},
			want: `cost_inputs.csv: row 11: field "name": unknown cost input "gpu_hours"`,
			file: FileCostInputs, row: 11, field: "name",
		},
		{
			name: "duplicate alias",
			break_: func(t *testing.T, m fstest.MapFS) {
				data := strings.Replace(string(m[FileModels].Data), ",T5-3B\n", ",T5-3B|RoBERTa\n", 1)
				m[FileModels] = &fstest.MapFile{Data: []byte(data)}
			},
			want: `models.csv: row 11: field "aliases": duplicate model name or alias "RoBERTa" (first used by "RoBERTa-Large")`,
			file: FileModels, row: 11, field: "aliases",
		},
		{
			name: "not a boolean",
			break_: func(t *testing.T, m fstest.MapFS) {
				data := strings.Replace(string(m[FileModels].Data), "SciFive-Large,true,", "SciFive-Large,yes,", 1)
				m[FileModels] = &fstest.MapFile{Data: []byte(data)}
			},
			want: `models.csv: row 17: field "appendix_only": "yes" is not true or false`,
			file: FileModels, row: 17, field: "appendix_only",
		},
		{
			name:   "missing file",
			break_: func(t *testing.T, m fstest.MapFS) { delete(m, FileEquations) },
			want:   `equations.csv: cannot read file: open equations.csv: file does not exist`,
			file:   FileEquations, row: 0, field: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := goodFS(t)
			tc.break_(t, m)
			set, err := Load(m)
			if err == nil {
				t.Fatalf("Load accepted the broken file (set has %d models)", len(set.AllModels()))
			}
			if set != nil {
				t.Error("Load returned a Set together with an error")
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error is %T, want *LoadError: %v", err, err)
			}
			if len(le.Problems) != 1 {
				t.Fatalf("want exactly one problem, got %d:\n%v", len(le.Problems), err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatal("errors.As found no *FieldError")
			}
			if fe.Error() != tc.want {
				t.Errorf("problem:\n got  %s\n want %s", fe.Error(), tc.want)
			}
			if fe.File != tc.file || fe.Row != tc.row || fe.Field != tc.field {
				t.Errorf("located at %s/%d/%q, want %s/%d/%q", fe.File, fe.Row, fe.Field, tc.file, tc.row, tc.field)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadError text lacks the problem: %v", err)
			}
		})
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	m := goodFS(t)
	setLine(t, m, FileMetrics, 7, strings.Replace(ckptMedNLI, "0.007", "-0.1", 1))
	setLine(t, m, FileAblation, 2, "PubMedGPT,MedNLI,accuracy,0.01,1.597,0.011,Table 11,")
	_, err := Load(m)
	var le *LoadError
	if !errors.As(err, &le) || len(le.Problems) != 2 {
		t.Fatalf("want two problems, got %v", err)
	}
	if le.Problems[0].File != FileMetrics || le.Problems[1].File != FileAblation {
		t.Errorf("problems out of file order: %v", err)
	}
}

func TestFieldErrorFormat(t *testing.T) {
	tests := []struct {
		err  FieldError
		want string
	}{
		{FieldError{File: "metrics.csv", Row: 7, Field: "std", Msg: "-0.1 is below 0"}, `metrics.csv: row 7: field "std": -0.1 is below 0`},
		{FieldError{File: "metrics.csv", Field: "model", Msg: "no row for X"}, `metrics.csv: field "model": no row for X`},
		{FieldError{File: "x.csv", Msg: "empty file (no header)"}, `x.csv: empty file (no header)`},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		known   bool
		wantErr bool
	}{
		{"220M", 220e6, true, false},
		{"0.5B", 0.5e9, true, false},
		{"2.7B", 2.7e9, true, false},
		{"2200B", 2200e9, true, false},
		{"4.5E+19", 4.5e19, true, false},
		{"1E+20", 1e20, true, false},
		{"–", 0, false, false},
		{"?", 0, false, false},
		{"", 0, false, false},
		{"12Q", 0, false, true},
		{"B", 0, false, true},
		{"-3B", 0, false, true},
		{"NaN", 0, false, true},
	}
	for _, tc := range tests {
		q, err := parseQuantity(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("parseQuantity(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			continue
		}
		if tc.wantErr {
			continue
		}
		if q.Printed != tc.in || q.Known() != tc.known || !sameFloat(q.Float(), tc.want) {
			t.Errorf("parseQuantity(%q) = %q %v %v, want %v %v", tc.in, q.Printed, q.Known(), q.Float(), tc.known, tc.want)
		}
	}
}

func FuzzLoad(f *testing.F) {
	base := goodFS(f)
	for i, name := range Files() {
		f.Add(uint8(i), base[name].Data)
	}
	f.Add(uint8(4), []byte("model,task\n\"unterminated"))
	f.Add(uint8(1), []byte{})
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		m := fstest.MapFS{}
		for name, file := range base {
			m[name] = file
		}
		files := Files()
		m[files[int(which)%len(files)]] = &fstest.MapFile{Data: data}
		set, err := Load(m)
		if (set == nil) == (err == nil) {
			t.Fatalf("Load returned set %v and error %v; want exactly one", set != nil, err)
		}
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) || len(le.Problems) == 0 {
				t.Fatalf("error %T without problems: %v", err, err)
			}
			_ = err.Error()
			return
		}
		// A file that loads must serve consistent rows.
		rows, qerr := set.Results(Filter{IncludeAppendix: true})
		if qerr != nil {
			t.Fatal(qerr)
		}
		for _, r := range rows {
			if r.Value < 0 || r.Value > 1 || (r.Std != nil && *r.Std < 0) {
				t.Fatalf("loaded an out-of-range row %+v", r)
			}
		}
	})
}
