package eval

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSQuADConverterWritesTaskFiles runs tools/eval/squad_to_jsonl.py on a
// small SQuAD 2.0 file and reads its output as a qa task file, so that the
// converter and the reader agree on the format.
func TestSQuADConverterWritesTaskFiles(t *testing.T) {
	python, repo := referencePython(t)
	dir := t.TempDir()
	in, out, titles := filepath.Join(dir, "in.json"), filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "titles.txt")
	squad := `{"version": "v2.0", "data": [
 {"title": "kept", "paragraphs": [{"context": "Aspirin 81 mg daily.", "qas": [
   {"id": 1, "question": "What dose?", "answers": [{"text": "81 mg", "answer_start": 8}, {"text": "81", "answer_start": 8}]},
   {"id": "x2", "question": "Which MRI?", "answers": [], "is_impossible": true}]}]},
 {"title": "dropped", "paragraphs": [{"context": "Labs normal.", "qas": [
   {"id": "x3", "question": "Labs?", "answers": [{"text": "normal", "answer_start": 5}]}]}]}]}`
	for path, body := range map[string]string{in: squad, titles: "kept\n"} {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(python, filepath.Join(repo, "tools", "eval", "squad_to_jsonl.py"), in, out, "--titles", titles)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("squad_to_jsonl.py: %v\n%s", err, msg)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	examples, err := ReadTaskFile(f, TaskQA, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) != 2 {
		t.Fatalf("%d examples, want the 2 questions of the kept article", len(examples))
	}
	first, second := examples[0].QA, examples[1].QA
	if first.ID != "1" || first.Context != "Aspirin 81 mg daily." || len(first.Answers) != 2 || first.Answers[0] != (GoldAnswer{"81 mg", 8}) {
		t.Errorf("first example %+v", first)
	}
	if second.ID != "x2" || len(second.Answers) != 0 {
		t.Errorf("unanswerable example %+v", second)
	}
}
