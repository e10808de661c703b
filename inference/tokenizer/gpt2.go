//go:build !(js && wasm)

package tokenizer

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/clinlm/clinlm/internal/smalljson"
	"os"
	"strings"
)

// FromGPT2Files builds GPT-2's tokenizer from OpenAI's original files,
// encoder.json (token → id) and merges.txt (one "left right" merge per line
// after a "#version" header), with the pipeline Hugging Face publishes for
// GPT-2: byte-level BPE, the ByteLevel pre-tokenizer without a prefix space,
// ByteLevel decoder and post-processor (offsets not trimmed), and
// <|endoftext|> as a special added token.
func FromGPT2Files(encoderPath, mergesPath string) (*Tokenizer, error) {
	vocab, err := os.ReadFile(encoderPath)
	if err != nil {
		return nil, err
	}
	if !smalljson.Valid(vocab) {
		return nil, fmt.Errorf("%s: not JSON", encoderPath)
	}
	merges, err := readGPT2Merges(mergesPath)
	if err != nil {
		return nil, err
	}
	mergesJSON, err := smalljson.Marshal(merges)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"version": "1.0", "truncation": null, "padding": null,
"added_tokens": [{"id": 50256, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": true}],
"normalizer": null,
"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
"post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
"decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
"model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
"end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false, "vocab": `)
	b.Write(vocab)
	b.WriteString(`, "merges": `)
	b.Write(mergesJSON)
	b.WriteString("}}")
	t, err := FromJSON(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%s, %s: %w", encoderPath, mergesPath, err)
	}
	return t, nil
}

func readGPT2Merges(path string) ([][2]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var merges [][2]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSuffix(sc.Text(), "\r")
		if s == "" || strings.HasPrefix(s, "#version") {
			continue
		}
		left, right, ok := strings.Cut(s, " ")
		if !ok || strings.Contains(right, " ") {
			return nil, fmt.Errorf("%s:%d: a merge is two tokens separated by one space", path, line)
		}
		merges = append(merges, [2]string{left, right})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return merges, nil
}
