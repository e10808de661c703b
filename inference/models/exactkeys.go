package models

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// checkExactKeys walks a JSON document beside the Go type it decodes into
// and reports an object key that names a struct field only when compared
// without case. encoding/json matches keys case-insensitively, so
// "Max_Length" would otherwise be read as max_length, and a manifest that
// only works by accident would be accepted. Unknown keys are left to the
// decoder's DisallowUnknownFields; map keys (label names) are free.
func checkExactKeys(data []byte, t reflect.Type) error {
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	return exactKeys(doc, t, "")
}

func exactKeys(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil // a type mismatch: the decoder reports it
		}
		fields := map[string]reflect.Type{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fields[name] = f.Type
		}
		for key, val := range obj {
			ft, exact := fields[key]
			if !exact {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return fmt.Errorf("field %q: keys are case-sensitive, write %q", path+key, name)
					}
				}
				continue
			}
			if err := exactKeys(val, ft, path+key+"."); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		list, _ := v.([]any)
		for i, el := range list {
			if err := exactKeys(el, t.Elem(), fmt.Sprintf("%s%d.", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, _ := v.(map[string]any)
		for k, el := range obj {
			if err := exactKeys(el, t.Elem(), path+k+"."); err != nil {
				return err
			}
		}
	}
	return nil
}
