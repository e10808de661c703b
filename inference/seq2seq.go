package inference

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/ort"
)

// seq2seq is an HF optimum encoder-decoder export (T5): the encoder runs
// once per request, the decoder once for the first token without a cache,
// then once per further token fed the self-attention cache it returned the
// step before and the cross-attention cache of the first step.
type seq2seq struct {
	encoder *ort.Session
	decoder decoder
	layers  int
}

// decoder runs a T5 decoder in its two modes, from whichever files the
// folder holds (models.DecoderLayout).
type decoder interface {
	// first reads whole decoder rows without a cache; it returns logits
	// [rows, T, vocab] and then, per layer, present decoder key, value,
	// encoder key, value.
	first(ctx context.Context, mask, ids, hidden ort.Tensor) ([]ort.Tensor, error)
	// next reads one token per row with the cache (past: per layer decoder
	// key, value, encoder key, value); it returns logits [rows, 1, vocab]
	// and then, per layer, the present decoder key and value.
	next(ctx context.Context, ids, mask, hidden ort.Tensor, past []ort.Tensor) ([]ort.Tensor, error)
}

// separateDecoders is optimum's --no-post-process layout:
// decoder_model.onnx and decoder_with_past_model.onnx.
type separateDecoders struct {
	decoder, withPast *ort.Session
	// pastTakesHidden: optimum declares encoder_hidden_states on the decoder
	// with past although it reads only the cross-attention cache; some
	// exports drop the unused input.
	pastTakesHidden bool
}

func (d *separateDecoders) first(ctx context.Context, mask, ids, hidden ort.Tensor) ([]ort.Tensor, error) {
	return d.decoder.Run(ctx, []ort.Tensor{mask, ids, hidden})
}

func (d *separateDecoders) next(ctx context.Context, ids, mask, hidden ort.Tensor, past []ort.Tensor) ([]ort.Tensor, error) {
	in := []ort.Tensor{ids, mask}
	if d.pastTakesHidden {
		in = append(in, hidden)
	}
	return d.withPast.Run(ctx, append(in, past...))
}

// mergedDecoder is optimum's decoder_model_merged.onnx: both decoders
// behind an If on use_cache_branch. Its inputs are the union of theirs, so
// the first step feeds empty past_key_values (the branch without the cache
// does not read them) and every later step feeds encoder_hidden_states
// (the branch with the cache does not read it). The branch with the cache
// returns empty present.{i}.encoder.* tensors, which are dropped.
type mergedDecoder struct {
	s      *ort.Session
	layers int
	// heads and headSize are the cache inputs' dimensions 1 and 3
	// (1 where the export left them dynamic: the tensors are empty anyway).
	heads, headSize int64
}

func (d *mergedDecoder) first(ctx context.Context, mask, ids, hidden ort.Tensor) ([]ort.Tensor, error) {
	in := []ort.Tensor{mask, ids, hidden}
	empty := ort.Tensor{Shape: []int64{ids.Shape[0], d.heads, 0, d.headSize}, Float32: []float32{}}
	for range 4 * d.layers {
		in = append(in, empty)
	}
	return d.s.Run(ctx, append(in, ort.Tensor{Shape: []int64{1}, Bool: []bool{false}}))
}

func (d *mergedDecoder) next(ctx context.Context, ids, mask, hidden ort.Tensor, past []ort.Tensor) ([]ort.Tensor, error) {
	in := append([]ort.Tensor{mask, ids, hidden}, past...)
	outs, err := d.s.Run(ctx, append(in, ort.Tensor{Shape: []int64{1}, Bool: []bool{true}}))
	if err != nil {
		return nil, err
	}
	res := []ort.Tensor{outs[0]}
	for i := range d.layers {
		res = append(res, outs[1+4*i], outs[2+4*i])
	}
	return res, nil
}

// I/O names of optimum's text2text-generation-with-past export.
const (
	ioInputIDs      = "input_ids"
	ioAttention     = "attention_mask"
	ioHidden        = "last_hidden_state"
	ioEncoderMask   = "encoder_attention_mask"
	ioEncoderStates = "encoder_hidden_states"
	ioLogits        = "logits"
	ioUseCache      = "use_cache_branch"
)

// pastNames lists the cache tensors of every layer in optimum's order:
// decoder key, decoder value[, encoder key, encoder value].
func pastNames(prefix string, layers int, withEncoder bool) []string {
	var out []string
	for i := range layers {
		out = append(out, fmt.Sprintf("%s.%d.decoder.key", prefix, i), fmt.Sprintf("%s.%d.decoder.value", prefix, i))
		if withEncoder {
			out = append(out, fmt.Sprintf("%s.%d.encoder.key", prefix, i), fmt.Sprintf("%s.%d.encoder.value", prefix, i))
		}
	}
	return out
}

// ioSpec is what one ONNX file must declare.
type ioSpec struct {
	file            string
	inputs, outputs map[string]string // name → element type
	optional        []string          // inputs that may be absent
}

// onnxIO is what a file declares.
type onnxIO struct{ ins, outs []ort.IOInfo }

// inspect reads a file's inputs and outputs. ORT builds a whole session to
// do so, so openSeq2Seq inspects each file once.
func inspect(rt *ort.Runtime, entry models.Entry, file string) (onnxIO, error) {
	ins, outs, err := rt.Inspect(entry.Path(file))
	if err != nil {
		return onnxIO{}, fmt.Errorf("%s does not load: %w", file, err)
	}
	return onnxIO{ins, outs}, nil
}

func (s ioSpec) check(io onnxIO) (present map[string]bool, err error) {
	ins, outs := io.ins, io.outs
	present = map[string]bool{}
	for _, in := range ins {
		want, ok := s.inputs[in.Name]
		if !ok {
			return nil, fmt.Errorf("%s has input %q, which an optimum text2text-generation-with-past export does not have (inputs %v)", s.file, in.Name, ioNames(ins))
		}
		if in.Type != want {
			return nil, fmt.Errorf("%s input %q is %s, want %s", s.file, in.Name, in.Type, want)
		}
		present[in.Name] = true
	}
	for _, name := range sortedKeys(s.inputs) {
		if !present[name] && !slices.Contains(s.optional, name) {
			return nil, fmt.Errorf("%s has no input %q; it has %v", s.file, name, ioNames(ins))
		}
	}
	have := map[string]string{}
	for _, o := range outs {
		have[o.Name] = o.Type
	}
	for _, name := range sortedKeys(s.outputs) {
		typ, ok := have[name]
		if !ok {
			return nil, fmt.Errorf("%s has no output %q; it has %v", s.file, name, ioNames(outs))
		}
		if typ != s.outputs[name] {
			return nil, fmt.Errorf("%s output %q is %s, want %s", s.file, name, typ, s.outputs[name])
		}
	}
	return present, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func typed(typ string, names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = typ
	}
	return m
}

func merge(a, b map[string]string) map[string]string {
	for k, v := range b {
		a[k] = v
	}
	return a
}

// countLayers reads the layer count from a decoder's present.{i}.decoder.key outputs.
func countLayers(io onnxIO, file string) (int, error) {
	layers := 0
	for slices.ContainsFunc(io.outs, func(o ort.IOInfo) bool { return o.Name == fmt.Sprintf("present.%d.decoder.key", layers) }) {
		layers++
	}
	if layers == 0 {
		return 0, fmt.Errorf("%s has no output present.0.decoder.key (an export without the key/value cache: use --task text2text-generation-with-past); it has %v", file, ioNames(io.outs))
	}
	return layers, nil
}

// openSeq2Seq checks the encoder and the decoder files of the folder's
// layout against optimum's names and opens their sessions from pool, which
// owns them (a seq2seq has nothing of its own to close).
func openSeq2Seq(rt *ort.Runtime, pool *sessionPool, entry models.Entry) (*seq2seq, error) {
	decFile := models.DecoderFile
	if entry.Decoder == models.MergedDecoder {
		decFile = models.DecoderMergedFile
	}
	decIO, err := inspect(rt, entry, decFile)
	if err != nil {
		return nil, err
	}
	layers, err := countLayers(decIO, decFile)
	if err != nil {
		return nil, err
	}
	encIO, err := inspect(rt, entry, models.EncoderFile)
	if err != nil {
		return nil, err
	}
	encoder := ioSpec{file: models.EncoderFile, inputs: typed("int64", ioInputIDs, ioAttention), outputs: typed("float32", ioHidden)}
	if _, err := encoder.check(encIO); err != nil {
		return nil, err
	}
	firstOuts := append([]string{ioLogits}, pastNames("present", layers, true)...)
	m := &seq2seq{layers: layers}
	var errs []error
	open := func(file string, in, out []string) *ort.Session {
		s, err := pool.open(entry.Path(file), in, out)
		errs = append(errs, err)
		return s
	}
	switch entry.Decoder {
	case models.MergedDecoder:
		spec := ioSpec{file: models.DecoderMergedFile,
			inputs: merge(merge(typed("int64", ioInputIDs, ioEncoderMask), typed("float32", append([]string{ioEncoderStates}, pastNames("past_key_values", layers, true)...)...)),
				typed("bool", ioUseCache)),
			outputs: typed("float32", firstOuts...)}
		if _, err := spec.check(decIO); err != nil {
			return nil, err
		}
		heads, headSize, err := cacheDims(decIO)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.file, err)
		}
		d := &mergedDecoder{layers: layers, heads: heads, headSize: headSize}
		d.s = open(spec.file, append(append([]string{ioEncoderMask, ioInputIDs, ioEncoderStates}, pastNames("past_key_values", layers, true)...), ioUseCache), firstOuts)
		m.decoder = d
	case models.SeparateDecoders:
		first := ioSpec{file: models.DecoderFile,
			inputs:  merge(typed("int64", ioInputIDs, ioEncoderMask), typed("float32", ioEncoderStates)),
			outputs: typed("float32", firstOuts...)}
		if _, err := first.check(decIO); err != nil {
			return nil, err
		}
		withPast := ioSpec{file: models.DecoderWithPastFile,
			inputs:   merge(typed("int64", ioInputIDs, ioEncoderMask), typed("float32", append([]string{ioEncoderStates}, pastNames("past_key_values", layers, true)...)...)),
			outputs:  typed("float32", append([]string{ioLogits}, pastNames("present", layers, false)...)...),
			optional: []string{ioEncoderStates}}
		pastIO, err := inspect(rt, entry, withPast.file)
		if err != nil {
			return nil, err
		}
		pastInputs, err := withPast.check(pastIO)
		if err != nil {
			return nil, err
		}
		d := &separateDecoders{pastTakesHidden: pastInputs[ioEncoderStates]}
		d.decoder = open(models.DecoderFile, []string{ioEncoderMask, ioInputIDs, ioEncoderStates}, firstOuts)
		pastIn := []string{ioInputIDs, ioEncoderMask}
		if d.pastTakesHidden {
			pastIn = append(pastIn, ioEncoderStates)
		}
		d.withPast = open(models.DecoderWithPastFile, append(pastIn, pastNames("past_key_values", layers, true)...),
			append([]string{ioLogits}, pastNames("present", layers, false)...))
		m.decoder = d
	default:
		return nil, fmt.Errorf("no decoder layout for %s", entry.Name)
	}
	m.encoder = open(models.EncoderFile, []string{ioInputIDs, ioAttention}, []string{ioHidden})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// cacheDims are the heads and size per head a merged decoder declares for
// past_key_values.0.decoder.key ([batch, heads, past, size]); a dynamic one
// is 1, which an empty tensor satisfies as well as any other.
func cacheDims(io onnxIO) (heads, size int64, err error) {
	i := slices.IndexFunc(io.ins, func(in ort.IOInfo) bool { return in.Name == "past_key_values.0.decoder.key" })
	if i < 0 || len(io.ins[i].Shape) != 4 {
		return 0, 0, errors.New("past_key_values.0.decoder.key is not [batch, heads, past, size]")
	}
	dim := func(d int64) int64 {
		if d < 0 {
			return 1
		}
		return d
	}
	return dim(io.ins[i].Shape[1]), dim(io.ins[i].Shape[3]), nil
}

// encoderOut is a batch's encoder output, right-padded.
type encoderOut struct {
	hidden ort.Tensor // [batch, seq, d_model]
	mask   []int64    // [batch * seq]
}

func (e encoderOut) rows() int   { return int(e.hidden.Shape[0]) }
func (e encoderOut) seqLen() int { return int(e.hidden.Shape[1]) }

// encode runs the encoder on right-padded token rows.
func (m *seq2seq) encode(ctx context.Context, rows [][]int64, pad int64) (encoderOut, error) {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	ids, mask := make([]int64, len(rows)*width), make([]int64, len(rows)*width)
	for i, r := range rows {
		for j := range width {
			ids[i*width+j] = pad
			if j < len(r) {
				ids[i*width+j], mask[i*width+j] = r[j], 1
			}
		}
	}
	shape := []int64{int64(len(rows)), int64(width)}
	outs, err := m.encoder.Run(ctx, []ort.Tensor{{Shape: shape, Int64: ids}, {Shape: shape, Int64: mask}})
	if err != nil {
		return encoderOut{}, err
	}
	h := outs[0]
	if len(h.Shape) != 3 || h.Shape[0] != shape[0] || h.Shape[1] != shape[1] {
		return encoderOut{}, fmt.Errorf("encoder output has shape %v for input %v", h.Shape, shape)
	}
	return encoderOut{hidden: h, mask: mask}, nil
}

// pick builds a batch from rows of e by index, e.g. one copy per beam
// (repeatIndex) or one per scored sequence.
func (e encoderOut) pick(from []int) encoderOut {
	s, d := e.seqLen(), int(e.hidden.Shape[2])
	out := encoderOut{hidden: ort.Tensor{Shape: []int64{int64(len(from)), int64(s), int64(d)}, Float32: make([]float32, len(from)*s*d)},
		mask: make([]int64, len(from)*s)}
	for i, r := range from {
		copy(out.hidden.Float32[i*s*d:(i+1)*s*d], e.hidden.Float32[r*s*d:(r+1)*s*d])
		copy(out.mask[i*s:(i+1)*s], e.mask[r*s:(r+1)*s])
	}
	return out
}

func repeatIndex(rows, times int) []int {
	out := make([]int, 0, rows*times)
	for r := range rows {
		for range times {
			out = append(out, r)
		}
	}
	return out
}

// stepper produces next-token logits one decoding step at a time.
type stepper interface {
	// step reorders the rows' histories by origin (row i continues the
	// history of row origin[i]; nil keeps them), appends tokens (one per
	// row) and returns the logits for the next token, rows × vocab.
	step(ctx context.Context, origin []int, tokens []int64) (logits []float32, vocab int, err error)
}

// lastLogits takes the last position of logits [rows, T, vocab].
func lastLogits(t ort.Tensor, rows int) ([]float32, int, error) {
	if len(t.Shape) != 3 || int(t.Shape[0]) != rows || t.Shape[1] < 1 {
		return nil, 0, fmt.Errorf("logits have shape %v, want [%d, T, vocab]", t.Shape, rows)
	}
	steps, vocab := int(t.Shape[1]), int(t.Shape[2])
	if steps == 1 {
		return t.Float32, vocab, nil
	}
	out := make([]float32, rows*vocab)
	for r := range rows {
		copy(out[r*vocab:(r+1)*vocab], t.Float32[(r*steps+steps-1)*vocab:(r*steps+steps)*vocab])
	}
	return out, vocab, nil
}

// cachedStepper decodes with the key/value cache: the decoder's first mode
// for the first token, its cached mode after it. The cache lives in Go
// memory between steps, so on CUDA it goes device→host→device every step:
// the ONNX Runtime binding (yalue/onnxruntime_go) has I/O binding for host
// tensors only, with no output bound to the device (BENCHMARKS.md, serving
// changes).
type cachedStepper struct {
	m   *seq2seq
	enc encoderOut
	// self holds present.{i}.decoder.key|value (grows by one position per
	// step); cross holds present.{i}.encoder.key|value from the first step.
	self, cross []ort.Tensor
}

func (s *cachedStepper) step(ctx context.Context, origin []int, tokens []int64) ([]float32, int, error) {
	rows := s.enc.rows()
	ids := ort.Tensor{Shape: []int64{int64(rows), 1}, Int64: tokens}
	mask := ort.Tensor{Shape: []int64{int64(rows), int64(s.enc.seqLen())}, Int64: s.enc.mask}
	if s.self == nil {
		outs, err := s.m.decoder.first(ctx, mask, ids, s.enc.hidden)
		if err != nil {
			return nil, 0, err
		}
		for i := range s.m.layers {
			p := outs[1+4*i:]
			s.self = append(s.self, p[0], p[1])
			s.cross = append(s.cross, p[2], p[3])
		}
		return lastLogits(outs[0], rows)
	}
	if origin != nil {
		// Beams are reordered within their request, whose rows share one
		// encoder output, so the cross-attention cache needs no reordering.
		for i := range s.self {
			s.self[i] = gatherRows(s.self[i], origin)
		}
	}
	past := make([]ort.Tensor, 0, 4*s.m.layers)
	for i := range s.m.layers {
		past = append(past, s.self[2*i], s.self[2*i+1], s.cross[2*i], s.cross[2*i+1])
	}
	outs, err := s.m.decoder.next(ctx, ids, mask, s.enc.hidden, past)
	if err != nil {
		return nil, 0, err
	}
	copy(s.self, outs[1:])
	return lastLogits(outs[0], rows)
}

// gatherRows picks rows of a [rows, ...] tensor.
func gatherRows(t ort.Tensor, from []int) ort.Tensor {
	per := int(t.Elements() / t.Shape[0])
	out := ort.Tensor{Shape: append([]int64{int64(len(from))}, t.Shape[1:]...), Float32: make([]float32, len(from)*per)}
	for i, r := range from {
		copy(out.Float32[i*per:(i+1)*per], t.Float32[r*per:(r+1)*per])
	}
	return out
}

// fullStepper decodes without the cache, re-reading each row's whole
// history with the decoder's first mode every step. It is the reference the
// cached path is checked against, and O(n²) in the generated length.
type fullStepper struct {
	m       *seq2seq
	enc     encoderOut
	history [][]int64
}

func (s *fullStepper) step(ctx context.Context, origin []int, tokens []int64) ([]float32, int, error) {
	rows := s.enc.rows()
	if s.history == nil {
		s.history = make([][]int64, rows)
	}
	if origin != nil {
		next := make([][]int64, rows)
		for i, r := range origin {
			next[i] = slices.Clone(s.history[r])
		}
		s.history = next
	}
	for i := range s.history {
		s.history[i] = append(s.history[i], tokens[i])
	}
	steps := len(s.history[0])
	ids := make([]int64, 0, rows*steps)
	for _, h := range s.history {
		ids = append(ids, h...)
	}
	mask := ort.Tensor{Shape: []int64{int64(rows), int64(s.enc.seqLen())}, Int64: s.enc.mask}
	outs, err := s.m.decoder.first(ctx, mask, ort.Tensor{Shape: []int64{int64(rows), int64(steps)}, Int64: ids}, s.enc.hidden)
	if err != nil {
		return nil, 0, err
	}
	return lastLogits(outs[0], rows)
}

// scoreSequences returns log p(seq | input) for each sequence by teacher
// forcing: one decoder run over [start, seq[:-1]...] per sequence (rows
// right-padded; the decoder is causal, so padding after a sequence does not
// change its positions). owner[i] is the encoder row of seqs[i].
func (m *seq2seq) scoreSequences(ctx context.Context, enc encoderOut, owner []int, seqs [][]int64, start, pad int64) ([]float64, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	width := 0
	for _, s := range seqs {
		width = max(width, len(s))
	}
	ids := make([]int64, len(seqs)*width)
	for i, s := range seqs {
		row := ids[i*width : (i+1)*width]
		for j := range row {
			row[j] = pad
		}
		row[0] = start
		copy(row[1:], s[:len(s)-1])
	}
	e := enc.pick(owner)
	mask := ort.Tensor{Shape: []int64{int64(len(seqs)), int64(e.seqLen())}, Int64: e.mask}
	outs, err := m.decoder.first(ctx, mask, ort.Tensor{Shape: []int64{int64(len(seqs)), int64(width)}, Int64: ids}, e.hidden)
	if err != nil {
		return nil, err
	}
	logits := outs[0]
	if len(logits.Shape) != 3 || int(logits.Shape[1]) != width {
		return nil, fmt.Errorf("logits have shape %v, want [%d, %d, vocab]", logits.Shape, len(seqs), width)
	}
	vocab := int(logits.Shape[2])
	out := make([]float64, len(seqs))
	for i, s := range seqs {
		for j, tok := range s {
			if tok < 0 || int(tok) >= vocab {
				return nil, fmt.Errorf("token %d is outside the vocabulary (%d)", tok, vocab)
			}
			pos := logits.Float32[(i*width+j)*vocab : (i*width+j+1)*vocab]
			out[i] += logSoftmaxAt(pos, int(tok))
		}
	}
	return out, nil
}
