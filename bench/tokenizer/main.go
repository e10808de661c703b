// Command tokbench measures the Go tokenizer engine's single-goroutine encode throughput on a
// JSON-lines corpus and prints one JSON result. bench/tokenizer/run.py runs it beside the same
// measurement of HF `tokenizers` (hf_bench.py) and writes the comparison table.
//
//	go run ./bench/tokenizer -tokenizer t.json -corpus .cache/parity/corpus.jsonl
//
// Every "text" and "pair" string of the corpus is one input, encoded with special tokens and
// offsets (Tokenizer.Encode), one after another on one goroutine: one warm-up pass, then
// passes until -min-time has elapsed. With -batch each pass is one Tokenizer.EncodeBatch call
// over all texts (all cores).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/clinlm/clinlm/inference/tokenizer"
)

// result is the JSON this command prints; hf_bench.py prints the same fields.
type result struct {
	Impl        string  `json:"impl"`
	Tokenizer   string  `json:"tokenizer"`
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
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measured passes to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile to this file after the measured passes")
	batch := flag.Bool("batch", false, "encode each pass with one EncodeBatch call (all cores) instead of Encode per text")
	flag.Parse()
	if *tokPath == "" || *corpus == "" {
		fmt.Fprintln(os.Stderr, "tokbench: -tokenizer and -corpus are required")
		os.Exit(2)
	}
	if err := run(*tokPath, *corpus, *minTime, *cpuProfile, *memProfile, *batch); err != nil {
		fmt.Fprintln(os.Stderr, "tokbench:", err)
		os.Exit(1)
	}
}

func run(tokPath, corpus string, minTime time.Duration, cpuProfile, memProfile string, batch bool) error {
	texts, err := readTexts(corpus)
	if err != nil {
		return err
	}
	tok, err := tokenizer.FromFile(tokPath)
	if err != nil {
		return err
	}
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	pass := encodeEach
	impl := "go"
	if batch {
		pass, impl = encodeBatch, "go-batch"
	}
	tokensPerPass, err := pass(tok, texts) // warm-up; also the token count
	if err != nil {
		return err
	}

	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpuStart := cpuTime()
	start := time.Now()
	passes := 0
	for passes == 0 || time.Since(start) < minTime {
		if _, err := pass(tok, texts); err != nil {
			return err
		}
		passes++
	}
	elapsed := time.Since(start).Seconds()
	cpu := cpuTime() - cpuStart
	runtime.ReadMemStats(&after)
	if memProfile != "" {
		f, err := os.Create(memProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}

	n := float64(passes)
	res := result{
		Impl:        impl,
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
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

// cpuTime is the process's user+system CPU time in seconds (GC workers included). On a busy
// machine it estimates what the wall clock would show on an idle one.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// encodeEach encodes every text once and returns the number of tokens produced.
func encodeEach(tok *tokenizer.Tokenizer, texts []string) (int, error) {
	tokens := 0
	for _, t := range texts {
		enc, err := tok.Encode(t, true)
		if err != nil {
			return 0, err
		}
		tokens += len(enc.IDs)
	}
	return tokens, nil
}

// encodeBatch is encodeEach with one EncodeBatch call.
func encodeBatch(tok *tokenizer.Tokenizer, texts []string) (int, error) {
	encs, err := tok.EncodeBatch(texts, true)
	if err != nil {
		return 0, err
	}
	tokens := 0
	for _, enc := range encs {
		tokens += len(enc.IDs)
	}
	return tokens, nil
}

// readTexts returns every "text" and "pair" string of a JSON-lines file, in file order.
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
