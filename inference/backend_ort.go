package inference

import (
	"context"
	"fmt"

	"github.com/clinlm/clinlm/inference/ort"
)

// ortBackend runs a model file in this process: one ONNX Runtime session
// bound to every input and output of the file.
type ortBackend struct {
	session         *ort.Session
	inputs, outputs []ort.IOInfo
	provider        string
	// rowsAlone: the graph quantizes activations per batch
	// (DynamicQuantizeLinear), so a row's answer would depend on its
	// batch-mates; every row must run in a batch of its own.
	rowsAlone bool
}

// openORTBackend inspects the file and opens its session on the runtime's device.
func openORTBackend(rt *ort.Runtime, path string) (*ortBackend, error) {
	ins, outs, err := rt.Inspect(path)
	if err != nil {
		return nil, fmt.Errorf("model.onnx does not load: %w", err)
	}
	// Read after ONNX Runtime accepted the file, so a corrupt file is
	// reported as ORT sees it.
	alone, err := batchDependent(path)
	if err != nil {
		return nil, fmt.Errorf("model.onnx: %w", err)
	}
	sess, err := rt.NewSession(path, ioNames(ins), ioNames(outs))
	if err != nil {
		return nil, err
	}
	provider := ProviderCPU
	if rt.Status().Device == ort.DeviceCUDA {
		provider = ProviderCUDA
	}
	return &ortBackend{session: sess, inputs: ins, outputs: outs, provider: provider, rowsAlone: alone}, nil
}

func (b *ortBackend) Describe() (inputs, outputs []ort.IOInfo) { return b.inputs, b.outputs }

func (b *ortBackend) Run(ctx context.Context, inputs []ort.Tensor) ([]ort.Tensor, error) {
	return b.session.Run(ctx, inputs)
}

func (b *ortBackend) Provider() string { return b.provider }
func (b *ortBackend) Endpoint() string { return "" }
func (b *ortBackend) Close() error     { return b.session.Close() }
