//go:build (js && wasm) || smalljson

package smalljson

// RawMessage is a raw encoded JSON value, like json.RawMessage.
type RawMessage []byte

// MarshalJSON returns m, or null for a nil m.
func (m RawMessage) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	return m, nil
}

// UnmarshalJSON keeps a copy of data.
func (m *RawMessage) UnmarshalJSON(data []byte) error {
	*m = append((*m)[0:0], data...)
	return nil
}

// Unmarshal decodes data into v with this package's small decoder.
func Unmarshal(data []byte, v any) error { return decode(data, v) }

// Marshal encodes v with this package's small encoder.
func Marshal(v any) ([]byte, error) { return encode(v) }

// Valid reports whether data is one JSON value.
func Valid(data []byte) bool { return validate(data) }
