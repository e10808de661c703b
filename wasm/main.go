//go:build js && wasm

// Command wasm is clinlm's tokenizer for the browser: a thin shim that exposes
// inference/tokenizer to JavaScript (static/js/tokenize-worker.js). Calls are
// bulk: a whole note goes in, and every token with its offsets comes back in one
// packed buffer (pack.go), because each Go↔JS crossing costs microseconds.
//
// It installs globalThis.clinlmTokenizer with:
//
//	load(key, bytes Uint8Array) → JSON {"info": {...}, "handle": n} or {"error": "..."}
//	unload(key)
//	trace(key, text) → JSON of the pipeline stages, or {"error": "..."}
//	version → the Go version that built it (wasm_exec.js must match)
//
// Built with -tags corpus (static/dist/corpus.wasm, for the corpus statistics
// and span alignment workers) it also has corpus_js.go's calls.
//
// and, for the hot path, four //go:wasmexport functions (fast.go) that encode
// a note without syscall/js: a js.FuncOf call costs ~80 µs in Chromium here,
// an exported call well under 1 µs, so encode goes that way and returns
// pack.go's layout; clinlm_vocab gives the page each tokenizer's vocabulary
// once, so that a note's tokens travel as ids.
//
// Nothing here touches the network: tokenizer files arrive as bytes.
package main

import (
	"runtime"
	"syscall/js"

	"github.com/clinlm/clinlm/internal/smallfmt"
	"github.com/clinlm/clinlm/internal/smalljson"
)

// The garbage collector's settings, GOGC=400 and GOMEMLIMIT=512MiB, come from
// the environment that static/js/tokenize-worker.js gives the Go program
// (go.env), which the runtime reads at start-up: calling runtime/debug here
// would link fmt and os into the module. Why those values: see the worker.

func main() {
	r := active
	api := js.Global().Get("Object").New()
	api.Set("load", js.FuncOf(r.load))
	api.Set("unload", js.FuncOf(r.unload))
	api.Set("trace", js.FuncOf(r.trace))
	api.Set("version", runtime.Version())
	for _, install := range extensions {
		install(api, r)
	}
	js.Global().Set("clinlmTokenizer", api)
	select {} // serve calls until the worker goes away
}

// extensions add calls to the API object: the corpus module's (corpus_js.go,
// -tags corpus) and nothing else.
var extensions []func(api js.Value, r *registry)

func jsonReply(v any) any {
	b, err := smalljson.Marshal(v)
	if err != nil {
		return smallfmt.Sprintf(`{"error":%q}`, err.Error())
	}
	return string(b)
}

func errorReply(err error) any { return jsonReply(map[string]string{"error": err.Error()}) }

func (r *registry) load(_ js.Value, args []js.Value) (reply any) {
	defer recoverInto(&reply, errorReply)
	if len(args) != 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeObject {
		return errorReply(smallfmt.Errorf("load(key, bytes): bad arguments"))
	}
	src := args[1]
	b := make([]byte, src.Get("byteLength").Int())
	js.CopyBytesToGo(b, src)
	e, err := newEntry(b)
	if err != nil {
		return errorReply(err)
	}
	key := args[0].String()
	if old, ok := r.loaded[key]; ok {
		r.handles[old.handle-1] = nil
	}
	e.handle = len(r.handles) + 1
	r.handles = append(r.handles, e)
	r.loaded[key] = e
	return jsonReply(map[string]any{"info": describe(e), "handle": e.handle})
}

func (r *registry) unload(_ js.Value, args []js.Value) any {
	if len(args) == 1 {
		if e, ok := r.loaded[args[0].String()]; ok {
			r.handles[e.handle-1] = nil
			delete(r.loaded, args[0].String())
		}
	}
	return nil
}

func (r *registry) trace(_ js.Value, args []js.Value) (reply any) {
	defer recoverInto(&reply, errorReply)
	if len(args) != 2 {
		return errorReply(smallfmt.Errorf("trace(key, text): bad arguments"))
	}
	e, ok := r.loaded[args[0].String()]
	if !ok {
		return errorReply(smallfmt.Errorf("trace: tokenizer %s is not loaded", args[0].String()))
	}
	t, err := traceText(e, args[1].String())
	if err != nil {
		return errorReply(err)
	}
	return jsonReply(t)
}

// recoverInto turns a panic in the engine into an error reply: one bad input
// must not kill the worker and every tokenizer loaded in it.
func recoverInto(reply *any, wrap func(error) any) {
	if p := recover(); p != nil {
		*reply = wrap(smallfmt.Errorf("internal error: %v", p))
	}
}
