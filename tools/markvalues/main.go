// Command markvalues marks vital signs and lab values with their state
// against adult reference intervals (inference/refranges), one JSON string
// per line in and out. Training scripts run it so that a model learns from
// text marked by the very code that marks its inputs at serving time.
//
//	printf '"Na 124 on admission."\n' | go run ./tools/markvalues
//	"Na 124 (low sodium: hyponatremia) on admission."
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/clinlm/clinlm/inference/refranges"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "markvalues:", err)
		os.Exit(1)
	}
}

func run() error {
	m := refranges.New()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for line := 1; in.Scan(); line++ {
		var text string
		if err := json.Unmarshal(in.Bytes(), &text); err != nil {
			return fmt.Errorf("line %d: want one JSON string: %w", line, err)
		}
		marked, _ := m.Mark(text)
		if err := enc.Encode(marked); err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		return err
	}
	return out.Flush()
}
