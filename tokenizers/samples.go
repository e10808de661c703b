package tokenizers

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed samples.json
var samplesJSON []byte

// Sample is a synthetic clinical note written for the inspector; it describes
// no real patient.
type Sample struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Samples returns the inspector's sample notes in display order.
func Samples() ([]Sample, error) {
	var doc struct {
		Samples []Sample `json:"samples"`
	}
	if err := json.Unmarshal(samplesJSON, &doc); err != nil {
		return nil, fmt.Errorf("tokenizers: samples.json: %w", err)
	}
	if len(doc.Samples) == 0 {
		return nil, fmt.Errorf("tokenizers: samples.json has no samples")
	}
	return doc.Samples, nil
}
