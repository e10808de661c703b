package results

import (
	"testing"
)

func TestDefaultLoads(t *testing.T) {
	s, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	if got := len(s.Models()); got != 12 {
		t.Errorf("Models() = %d models, want 12", got)
	}
	if got := len(s.AllModels()); got != 16 {
		t.Errorf("AllModels() = %d models, want 16", got)
	}
	rows, err := s.Results(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 60 {
		t.Errorf("Results(Filter{}) = %d rows, want 12 models × 5 metrics = 60", len(rows))
	}
	all, _ := s.Results(Filter{IncludeAppendix: true})
	if len(all) != 80 {
		t.Errorf("Results(IncludeAppendix) = %d rows, want 80", len(all))
	}
	abl, _ := s.Ablation(AblationFilter{})
	if len(abl) != 125 {
		t.Errorf("Ablation = %d rows, want 5 models × 5 metrics × 5 fractions = 125", len(abl))
	}
	if got := len(s.Discrepancies()); got != 13 {
		t.Errorf("Discrepancies = %d, want 13", got)
	}
}
