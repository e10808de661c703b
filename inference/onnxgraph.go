package inference

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// batchDependentOps are ONNX operators whose output for one row depends on
// the other rows of the batch: DynamicQuantizeLinear (what onnxruntime's
// quantize_dynamic inserts) takes one scale and zero point for the whole
// activation tensor, so the same input gets slightly different scores
// inside different batches.
var batchDependentOps = []string{"DynamicQuantizeLinear"}

// batchDependent reports whether the model's graph (subgraphs included) has
// an operator that makes a row's result depend on its batch-mates.
func batchDependent(path string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	ops, err := graphOps(data)
	if err != nil {
		return false, err
	}
	for _, op := range batchDependentOps {
		if ops[op] {
			return true, nil
		}
	}
	return false, nil
}

// graphOps lists the op_type of every node of a serialized ONNX ModelProto,
// including the nodes of subgraphs (If/Loop bodies) and of model-local
// functions. Only the fields on the way to NodeProto.op_type are decoded.
func graphOps(model []byte) (map[string]bool, error) {
	ops := map[string]bool{}
	// ModelProto: graph = 7, functions = 25 (FunctionProto: node = 7).
	err := eachField(model, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case typ != protowire.BytesType:
		case num == 7:
			return graphNodes(v, 1, ops) // GraphProto: node = 1
		case num == 25:
			return graphNodes(v, 7, ops) // FunctionProto: node = 7
		}
		return nil
	})
	return ops, err
}

// graphNodes collects the op types of the nodes (field nodeField) of a
// GraphProto or FunctionProto.
func graphNodes(graph []byte, nodeField protowire.Number, ops map[string]bool) error {
	return eachField(graph, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != nodeField || typ != protowire.BytesType {
			return nil
		}
		// NodeProto: op_type = 4, attribute = 5 (AttributeProto: g = 6, graphs = 11).
		return eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) error {
			switch {
			case num == 4 && typ == protowire.BytesType:
				ops[string(v)] = true
			case num == 5 && typ == protowire.BytesType:
				return eachField(v, func(num protowire.Number, typ protowire.Type, v []byte) error {
					if (num == 6 || num == 11) && typ == protowire.BytesType {
						return graphNodes(v, 1, ops)
					}
					return nil
				})
			}
			return nil
		})
	})
}

var errBadProto = errors.New("not a valid ONNX protobuf")

// eachField calls f for every top-level field of a protobuf message; v is
// the payload of length-delimited fields (nil for the others).
func eachField(msg []byte, f func(num protowire.Number, typ protowire.Type, v []byte) error) error {
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return errBadProto
		}
		msg = msg[n:]
		var v []byte
		if typ == protowire.BytesType {
			v, n = protowire.ConsumeBytes(msg)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, msg)
		}
		if n < 0 {
			return errBadProto
		}
		msg = msg[n:]
		if err := f(num, typ, v); err != nil {
			return err
		}
	}
	return nil
}

// relativePaths names the files of a model folder relative to it in a
// message clients see: the server's own paths are not theirs to know.
func relativePaths(msg, dir string) string {
	dirs := []string{dir}
	if abs, err := filepath.Abs(dir); err == nil {
		dirs = append(dirs, abs)
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dirs = append(dirs, real)
	}
	for _, d := range dirs {
		if d == "" || d == "." {
			continue
		}
		msg = strings.ReplaceAll(msg, d+string(filepath.Separator), "")
		msg = strings.ReplaceAll(msg, d, ".")
	}
	return msg
}
