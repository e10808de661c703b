//go:build !(js && wasm) && !smalljson

package smalljson

import "encoding/json"

// RawMessage is a raw encoded JSON value (json.RawMessage in this build).
type RawMessage = json.RawMessage

// Unmarshal is json.Unmarshal in this build.
func Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// Marshal is json.Marshal in this build.
func Marshal(v any) ([]byte, error) { return json.Marshal(v) }

// Valid is json.Valid in this build.
func Valid(data []byte) bool { return json.Valid(data) }
