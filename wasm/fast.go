//go:build js && wasm

package main

import (
	"unsafe"

	"github.com/clinlm/clinlm/inference/tokenizer"
)

// The exported functions below are called by static/js/tokenize-worker.js
// straight from WebAssembly, without syscall/js: the page writes the note's
// UTF-8 into the input buffer (TextEncoder.encodeInto on the module's memory),
// calls clinlm_encode, and copies the packed result out of the output buffer.
//
// //go:wasmexport functions cannot close over anything, so the registry and
// the two buffers are package state: the one exception to the project's rule,
// forced by the boundary, and confined to this file and main.
var (
	active = &registry{loaded: map[string]*entry{}}
	input  []byte
	output []byte
)

// clinlm_buffer makes the input buffer hold at least n bytes and returns its
// address. The address is stable until the next call (Go's heap does not move).
//
//go:wasmexport clinlm_buffer
func exportBuffer(n int32) int32 {
	if n < 1 {
		n = 1
	}
	if cap(input) < int(n) {
		input = make([]byte, n)
	}
	input = input[:cap(input)]
	return int32(uintptr(unsafe.Pointer(&input[0])))
}

// fail puts msg in the output buffer and returns minus its length: the
// exported calls' error result.
func fail(msg string) int32 {
	output = append(output[:0], msg...)
	return -int32(len(output))
}

// clinlm_encode tokenizes the first n bytes of the input buffer with the
// tokenizer behind handle. It returns the length of the packed result in the
// output buffer, or minus the length of an error message there.
//
//go:wasmexport clinlm_encode
func exportEncode(handle, n, addSpecial int32) (length int32) {
	defer func() {
		if p := recover(); p != nil {
			length = fail("encode: internal error")
		}
	}()
	e := active.entry(handle)
	if e == nil {
		return fail("encode: no tokenizer loaded under this handle")
	}
	if n < 0 || int(n) > len(input) {
		return fail("encode: text length outside the input buffer")
	}
	// The text is the input buffer itself, not a copy (the copy and its
	// garbage showed in Chromium's profile): nothing writes the buffer
	// during this call, and nothing the engine keeps past it points into
	// the text. Its tokens' strings are vocabulary strings or copies, its
	// word caches (BPE's, Unigram's) copy their keys, and its pooled scratch
	// memory is reset before it is read again (TestEncodeFromReusedBuffer).
	text := unsafe.String(unsafe.SliceData(input), n)
	err := e.tok.EncodeParts(text, addSpecial != 0, func(parts []*tokenizer.Encoding) error {
		b, err := active.packer.pack(text, e, parts)
		output = b
		return err
	})
	if err != nil {
		return fail("encode: " + err.Error())
	}
	return int32(len(output))
}

// clinlm_vocab lays out the tokenizer's vocabulary (packVocabulary) in the
// output buffer and returns its length, or minus the length of an error
// message there. The page calls it once per tokenizer.
//
//go:wasmexport clinlm_vocab
func exportVocab(handle int32) (length int32) {
	defer func() {
		if p := recover(); p != nil {
			length = fail("vocab: internal error")
		}
	}()
	e := active.entry(handle)
	if e == nil {
		return fail("vocab: no tokenizer loaded under this handle")
	}
	output = active.packer.packVocabulary(e)
	return int32(len(output))
}

// clinlm_output is the address of the last result (valid until the next call).
//
//go:wasmexport clinlm_output
func exportOutput() int32 {
	if len(output) == 0 {
		return 0
	}
	return int32(uintptr(unsafe.Pointer(&output[0])))
}
