// Command sugarmebench is bench/tokenizer/main.go's measurement for github.com/sugarme/tokenizer,
// the other pure-Go implementation of HF tokenizer.json files, so that run.py can show it beside
// ours and HF on the same corpus and the same files:
//
//	cd bench/tokenizer/sugarme && go run . -tokenizer t.json -corpus corpus.jsonl
//
// Every "text" and "pair" of the corpus is one input, encoded with special tokens by
// EncodeSingle (which computes offsets too), one after another on one goroutine: a warm-up pass,
// then passes until -min-time has elapsed. It prints one JSON result with the fields tokbench
// prints, or {"impl": "sugarme", "error": ...} when the library cannot load or encode the file.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/sugarme/tokenizer"
	"github.com/sugarme/tokenizer/pretrained"
)

type result struct {
	Impl        string  `json:"impl"`
	Tokenizer   string  `json:"tokenizer"`
	Error       string  `json:"error,omitempty"`
	Texts       int     `json:"texts"`
	Bytes       int     `json:"bytes"`
	Tokens      int     `json:"tokens"`
	Passes      int     `json:"passes"`
	Seconds     float64 `json:"seconds"`
	CPUSeconds  float64 `json:"cpu_seconds"`
	MBPerSec    float64 `json:"mb_per_s"`
	CPUMBPerSec float64 `json:"cpu_mb_per_s"`
	TokPerSec   float64 `json:"tokens_per_s"`
	USPerText   float64 `json:"us_per_text"`
	AllocPerTxt float64 `json:"alloc_bytes_per_text"`
	GoVersion   string  `json:"go_version"`
}

func main() {
	tokPath := flag.String("tokenizer", "", "tokenizer.json to load")
	corpus := flag.String("corpus", "", "JSON-lines corpus with \"text\" and optional \"pair\" fields")
	minTime := flag.Duration("min-time", 3*time.Second, "measure for at least this long")
	flag.Parse()
	if *tokPath == "" || *corpus == "" {
		fmt.Fprintln(os.Stderr, "sugarmebench: -tokenizer and -corpus are required")
		os.Exit(2)
	}
	res, err := run(*tokPath, *corpus, *minTime)
	if err != nil {
		res = result{Impl: "sugarme", Tokenizer: *tokPath, Error: err.Error(), GoVersion: runtime.Version()}
	}
	if err := json.NewEncoder(os.Stdout).Encode(res); err != nil {
		os.Exit(1)
	}
}

func run(tokPath, corpus string, minTime time.Duration) (res result, err error) {
	// The library panics on some inputs it does not support; report that as its error.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	texts, err := readTexts(corpus)
	if err != nil {
		return res, err
	}
	tok, err := pretrained.FromFile(tokPath)
	if err != nil {
		return res, fmt.Errorf("load: %w", err)
	}
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	tokensPerPass, err := pass(tok, texts)
	if err != nil {
		return res, err
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpuStart := cpuTime()
	start := time.Now()
	passes := 0
	for passes == 0 || time.Since(start) < minTime {
		if _, err := pass(tok, texts); err != nil {
			return res, err
		}
		passes++
	}
	elapsed := time.Since(start).Seconds()
	cpu := cpuTime() - cpuStart
	runtime.ReadMemStats(&after)
	n := float64(passes)
	return result{
		Impl:        "sugarme",
		Tokenizer:   tokPath,
		Texts:       len(texts),
		Bytes:       size,
		Tokens:      tokensPerPass,
		Passes:      passes,
		Seconds:     elapsed,
		CPUSeconds:  cpu,
		MBPerSec:    float64(size) * n / elapsed / 1e6,
		CPUMBPerSec: float64(size) * n / cpu / 1e6,
		TokPerSec:   float64(tokensPerPass) * n / elapsed,
		USPerText:   elapsed * 1e6 / (n * float64(len(texts))),
		AllocPerTxt: float64(after.TotalAlloc-before.TotalAlloc) / (n * float64(len(texts))),
		GoVersion:   runtime.Version(),
	}, nil
}

func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func pass(tok *tokenizer.Tokenizer, texts []string) (int, error) {
	tokens := 0
	for i, t := range texts {
		enc, err := tok.EncodeSingle(t, true)
		if err != nil {
			return 0, fmt.Errorf("text %d: %w", i, err)
		}
		tokens += len(enc.Ids)
	}
	return tokens, nil
}

func readTexts(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<26)
	for line := 1; sc.Scan(); line++ {
		var rec struct {
			Text string  `json:"text"`
			Pair *string `json:"pair"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		texts = append(texts, rec.Text)
		if rec.Pair != nil {
			texts = append(texts, *rec.Pair)
		}
	}
	return texts, sc.Err()
}
