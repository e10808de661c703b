//go:build js && wasm

package main

import (
	"unsafe"
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

// clinlm_encode tokenizes the first n bytes of the input buffer with the
// tokenizer behind handle. It returns the length of the packed result in the
// output buffer, or minus the length of an error message there.
//
//go:wasmexport clinlm_encode
func exportEncode(handle, n, addSpecial int32) (length int32) {
	fail := func(msg string) int32 {
		output = append(output[:0], msg...)
		return -int32(len(output))
	}
	defer func() {
		if p := recover(); p != nil {
			length = fail("encode: internal error")
		}
	}()
	if handle < 1 || int(handle) > len(active.handles) || active.handles[handle-1] == nil {
		return fail("encode: no tokenizer loaded under this handle")
	}
	if n < 0 || int(n) > len(input) {
		return fail("encode: text length outside the input buffer")
	}
	// Copy: the engine may keep pieces of the text (its caches), and the
	// buffer is overwritten by the next call.
	text := string(input[:n])
	e := active.handles[handle-1]
	enc, err := encodeText(e, text, addSpecial != 0, active.flags)
	if err != nil {
		return fail("encode: " + err.Error())
	}
	active.flags = enc.Flags
	b, err := active.packer.pack(text, enc)
	if err != nil {
		return fail(err.Error())
	}
	output = b
	if len(output) == 0 {
		return 0
	}
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
