//go:build js && wasm && corpus

package main

import (
	"fmt"
	"syscall/js"

	"github.com/clinlm/clinlm/internal/smalljson"
)

// The corpus module (static/dist/corpus.wasm, built with -tags corpus) is the
// tokenizer plus these calls; the inspector's tokenizer.wasm leaves them, and
// the corpus, span and CSV code they link, out.
func init() { extensions = append(extensions, installCorpus) }

// installCorpus adds the corpus panel's calls to the page's API object. Each
// is one js.FuncOf crossing per file chunk or per upload, so their cost
// (~80 µs a call) is nothing beside the tokenizing they start.
//
//	corpusStart(keysJSON) → {"run": n}
//	corpusFile(run, name, format) → {"file": n}
//	corpusFeed(run, file, bytes Uint8Array, last bool) → {"notes", "errors"}
//	corpusReport(run) → the report with its "csv"
//	corpusEnd(run)
//	spansAlign(keysJSON, filesJSON, maxLength) → counts, spans, exports
//
// Every reply is JSON, {"error": "..."} when the call failed.
func installCorpus(api js.Value, r *registry) {
	c := newCorpusRuns(r)
	wrap := func(fn func(args []js.Value) (any, error)) js.Func {
		return js.FuncOf(func(_ js.Value, args []js.Value) (reply any) {
			defer recoverInto(&reply, errorReply)
			v, err := fn(args)
			if err != nil {
				return errorReply(err)
			}
			return jsonReply(v)
		})
	}
	need := func(args []js.Value, n int, what string) error {
		if len(args) != n {
			return fmt.Errorf("%s: bad arguments", what)
		}
		return nil
	}
	keys := func(v js.Value) ([]string, error) {
		var ks []string
		if err := smalljson.Unmarshal([]byte(v.String()), &ks); err != nil {
			return nil, fmt.Errorf("tokenizer keys: %w", err)
		}
		return ks, nil
	}
	api.Set("corpusStart", wrap(func(args []js.Value) (any, error) {
		if err := need(args, 1, "corpusStart(keys)"); err != nil {
			return nil, err
		}
		ks, err := keys(args[0])
		if err != nil {
			return nil, err
		}
		run, err := c.start(ks)
		return map[string]int{"run": run}, err
	}))
	api.Set("corpusFile", wrap(func(args []js.Value) (any, error) {
		if err := need(args, 3, "corpusFile(run, name, format)"); err != nil {
			return nil, err
		}
		f, err := c.openFile(args[0].Int(), args[1].String(), args[2].String())
		return map[string]int{"file": f}, err
	}))
	api.Set("corpusFeed", wrap(func(args []js.Value) (any, error) {
		if err := need(args, 4, "corpusFeed(run, file, bytes, last)"); err != nil {
			return nil, err
		}
		chunk := make([]byte, args[2].Get("byteLength").Int())
		js.CopyBytesToGo(chunk, args[2])
		return c.feed(args[0].Int(), args[1].Int(), chunk, args[3].Bool())
	}))
	api.Set("corpusReport", wrap(func(args []js.Value) (any, error) {
		if err := need(args, 1, "corpusReport(run)"); err != nil {
			return nil, err
		}
		return c.report(args[0].Int())
	}))
	api.Set("corpusEnd", wrap(func(args []js.Value) (any, error) {
		if err := need(args, 1, "corpusEnd(run)"); err != nil {
			return nil, err
		}
		c.end(args[0].Int())
		return map[string]bool{"ended": true}, nil
	}))
	api.Set("spansAlign", wrap(func(args []js.Value) (any, error) {
		if err := need(args, 3, "spansAlign(keys, files, maxLength)"); err != nil {
			return nil, err
		}
		ks, err := keys(args[0])
		if err != nil {
			return nil, err
		}
		var files []annotationFile
		if err := smalljson.Unmarshal([]byte(args[1].String()), &files); err != nil {
			return nil, fmt.Errorf("annotation files: %w", err)
		}
		return c.alignSpans(ks, files, args[2].Int())
	}))
}
