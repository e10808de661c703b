package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/clinlm/clinlm/inference"
	"github.com/clinlm/clinlm/inference/models"
	"github.com/clinlm/clinlm/inference/models/hfimport"
)

// runModels is `clinlm models SUBCOMMAND`; today its one subcommand is add.
func runModels(ctx context.Context, args []string, sio stdio) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(sio.err, "usage: clinlm models add PATH [--task nli|qa|clip] [--models DIR] [--licence L] [--availability A]")
		return errUsage
	}
	return runModelsAdd(ctx, args[1:], sio)
}

// addFiles are copied from the folder into the repository when present
// (model.onnx_data: the external weights of a large export).
var addFiles = []string{models.ModelFile, "model.onnx_data", models.TokenizerFile, hfimport.ConfigFile, hfimport.CardFile}

// runModelsAdd is `clinlm models add PATH`: it reads a Hugging Face folder
// (an optimum ONNX export, or a transformers checkpoint it exports with
// optimum when Python has it), writes the manifest the folder says, asks
// for what it cannot say, runs one example through the engine and only
// then puts the folder into the model repository, where serve, eval and
// live evaluation find it.
func runModelsAdd(ctx context.Context, args []string, sio stdio) error {
	fset := newFlagSet("models add", sio.err)
	var (
		repo         = fset.String("models", "models", "model repository to add the model to")
		name         = fset.String("name", "", "the model's name (default: the folder's name)")
		task         = fset.String("task", "", "nli, qa or clip (needed for a classifier that is not plainly NLI or multi-label)")
		licence      = fset.String("licence", "", "the weights' licence, SPDX id or words (default: the model card's license)")
		availability = fset.String("availability", "", "who may obtain the weights: public, credentialed or results-only")
		description  = fset.String("description", "", "one line on what the model is")
		maxLength    = fset.Int("max-length", 0, "tokens per sequence (default: the tokenizer's truncation, else max_position_embeddings)")
		flops        = fset.Float64("pretraining-flops", 0, "the base model's total pretraining FLOPs, if known (places its live evaluations on the FLOPs figure)")
		python       = fset.String("python", "", "Python with optimum, to export a transformers checkpoint (default .venv-models/bin/python, else python3)")
		ortLib       = fset.String("ort-lib", "", "ONNX Runtime library (default: .cache/ort/libonnxruntime.so.1 from tools/ort/fetch.sh)")
		device       = fset.String("device", "cpu", "where the check runs: cpu, cuda or auto")
		force        = fset.Bool("force", false, "replace a model folder of the same name")
	)
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "usage: clinlm models add PATH [flags]   (PATH: an optimum ONNX export folder, or a transformers checkpoint)")
		fset.PrintDefaults()
	}
	// Flags may follow PATH: pull it out first.
	var path string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case path == "" && !strings.HasPrefix(a, "-"):
			path = a
		default:
			rest = append(rest, a)
			if strings.HasPrefix(a, "-") && !strings.Contains(a, "=") && !isBoolFlag(fset, a) && i+1 < len(args) {
				i++
				rest = append(rest, args[i])
			}
		}
	}
	if err := parseFlags(fset, rest, sio.getenv); err != nil {
		return err
	}
	if path == "" && fset.NArg() == 1 {
		path = fset.Arg(0)
	}
	if path == "" {
		fset.Usage()
		return errUsage
	}
	folder, err := hfimport.Read(path)
	if err != nil {
		return err
	}
	if _, err := folder.Task(); err != nil {
		return err
	}
	choices := hfimport.Choices{Name: *name, Task: models.Task(*task), Licence: *licence,
		Availability: models.Availability(*availability), Description: *description, MaxLength: *maxLength, PretrainingFLOPs: *flops}
	if choices.Name == "" {
		choices.Name = filepath.Base(filepath.Clean(path))
	}
	if !models.ValidName(choices.Name) {
		return fmt.Errorf("model name %q: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit); choose one with --name", choices.Name)
	}
	if err := ask(&choices, folder, sio.in, isTerminal(sio.in), sio.err); err != nil {
		return err
	}
	if !folder.HasONNX {
		exported, cleanup, err := exportCheckpoint(ctx, folder, choices, *python, sio)
		if err != nil {
			return err
		}
		defer cleanup()
		if folder, err = hfimport.Read(exported); err != nil {
			return err
		}
	}
	if !folder.HasTokenizer {
		return fmt.Errorf("%s has no tokenizer.json: save the fast tokenizer beside the model (tokenizer.save_pretrained)", folder.Dir)
	}
	mf, err := folder.Manifest(choices)
	if err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	mf.Name = "" // the folder's name is the model's name
	target := filepath.Join(*repo, choices.Name)
	if _, err := os.Stat(target); err == nil && !*force {
		return fmt.Errorf("%s exists: choose another --name, or --force to replace it", target)
	}
	if err := os.MkdirAll(*repo, 0o755); err != nil {
		return err
	}
	// The folder is built and checked beside the repository's models, in a
	// folder Scan skips, then moved into place in one rename.
	staging, err := os.MkdirTemp(*repo, ".add-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	dir := filepath.Join(staging, choices.Name)
	if err := writeModelFolder(dir, folder.Dir, mf); err != nil {
		return err
	}
	answer, err := checkModel(ctx, staging, choices.Name, *ortLib, *device)
	if err != nil {
		return fmt.Errorf("the engine could not run %s, so it was not added: %w", choices.Name, err)
	}
	if *force {
		if err := os.RemoveAll(target); err != nil {
			return err
		}
	}
	if err := os.Rename(dir, target); err != nil {
		return err
	}
	fmt.Fprintf(sio.out, "added %s to %s: task %s, head %s", choices.Name, *repo, mf.Task, mf.Head)
	if len(mf.Labels) > 0 {
		fmt.Fprintf(sio.out, ", labels %s", strings.Join(mf.Labels, ", "))
	}
	fmt.Fprintf(sio.out, ", max_length %d\nchecked on one example: %s\n", mf.MaxLength, answer)
	fmt.Fprintf(sio.out, "next: clinlm serve --models %s, then /demo/%s; or clinlm eval --models %s --model %s --data devset:%s\n",
		*repo, mf.Task, *repo, choices.Name, mf.Task)
	return nil
}

// isBoolFlag says whether a command-line argument is a flag that takes no value.
func isBoolFlag(fset *flag.FlagSet, arg string) bool {
	f := fset.Lookup(strings.TrimLeft(arg, "-"))
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// isTerminal says whether r is the process's stdin and a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok || f != os.Stdin {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ask fills what the folder cannot say: from prompts on in when it is a
// terminal (interactive), else it names the flags to give.
func ask(c *hfimport.Choices, folder hfimport.Folder, in io.Reader, interactive bool, out io.Writer) error {
	needs := folder.Needs(*c)
	if len(needs) == 0 {
		return nil
	}
	if !interactive {
		var flags []string
		for _, n := range needs {
			flags = append(flags, "--"+n)
		}
		fmt.Fprintf(out, "the folder does not say its %s: give %s\n", strings.Join(needs, ", "), strings.Join(flags, " "))
		return errUsage
	}
	lines := bufio.NewReader(in)
	prompt := func(question string, valid []string) (string, error) {
		for {
			fmt.Fprint(out, question)
			line, err := lines.ReadString('\n')
			answer := strings.TrimSpace(line)
			if answer != "" && (valid == nil || slices.Contains(valid, answer)) {
				return answer, nil
			}
			if err != nil {
				return "", fmt.Errorf("no answer: %w", err)
			}
		}
	}
	for _, n := range needs {
		var err error
		var answer string
		switch n {
		case "task":
			answer, err = prompt("task of this classifier (nli, clip): ", []string{"nli", "clip"})
			c.Task = models.Task(answer)
		case "licence":
			c.Licence, err = prompt("licence of the weights (SPDX id or words): ", nil)
		case "availability":
			answer, err = prompt("who may obtain the weights (public, credentialed, results-only): ",
				[]string{string(models.Public), string(models.Credentialed), string(models.ResultsOnly)})
			c.Availability = models.Availability(answer)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// optimumTask is optimum's export task for a clinlm task.
func optimumTask(t models.Task) string {
	if t == models.TaskQA {
		return "question-answering"
	}
	return "text-classification"
}

// exportCheckpoint exports a transformers checkpoint to ONNX with optimum,
// into a temporary folder (removed by cleanup).
func exportCheckpoint(ctx context.Context, folder hfimport.Folder, c hfimport.Choices, python string, sio stdio) (string, func(), error) {
	if python == "" {
		python = "python3"
		if p := filepath.Join(".venv-models", "bin", "python"); isExecutable(p) {
			python = p
		}
	}
	task := c.Task
	if task == "" {
		task, _ = folder.Task()
	}
	how := fmt.Sprintf("optimum-cli export onnx --model %s --task %s OUT, then clinlm models add OUT", folder.Dir, optimumTask(task))
	probe := exec.CommandContext(ctx, python, "-c", "import optimum.exporters.onnx")
	if out, err := probe.CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("%s has no model.onnx, and exporting a transformers checkpoint needs HF optimum, which %s cannot import (%s).\n"+
			"Install it (pip install \"optimum[onnx]\") and pass --python, or export it yourself: %s",
			folder.Dir, python, firstLine(out, err), how)
	}
	out, err := os.MkdirTemp("", "clinlm-export-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(out) }
	fmt.Fprintf(sio.err, "exporting %s to ONNX with optimum (%s)...\n", folder.Dir, optimumTask(task))
	cmd := exec.CommandContext(ctx, python, "-m", "optimum.exporters.onnx", "--model", folder.Dir, "--task", optimumTask(task), out)
	cmd.Stdout, cmd.Stderr = sio.err, sio.err
	if err := cmd.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("optimum export failed (%v); try it yourself: %s", err, how)
	}
	// The card stays with the checkpoint; bring it along for the licence and the model page.
	if card := filepath.Join(folder.Dir, hfimport.CardFile); folder.HasCard {
		if err := copyFile(card, filepath.Join(out, hfimport.CardFile)); err != nil {
			cleanup()
			return "", nil, err
		}
	}
	return out, cleanup, nil
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

// firstLine is the last line of a failed command's output, or its error.
func firstLine(out []byte, err error) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if l := lines[len(lines)-1]; l != "" {
		return l
	}
	return err.Error()
}

// writeModelFolder copies the folder's files into dir and writes the manifest.
func writeModelFolder(dir, from string, mf models.Manifest) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	for _, f := range addFiles {
		err := copyFile(filepath.Join(from, f), filepath.Join(dir, f))
		if err != nil && !(errors.Is(err, fs.ErrNotExist) && f != models.ModelFile && f != models.TokenizerFile) {
			return err
		}
	}
	raw, err := json.MarshalIndent(mf, "", "  ")
	if err != nil {
		return err
	}
	// The repository reads it back strictly: what is written must parse.
	if _, err := models.ParseManifest(raw); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, models.ManifestFile), append(raw, '\n'), 0o644)
}

// checkExamples are the one example per task the new model must answer.
var checkExamples = map[string]inference.Input{
	string(models.TaskNLI):  {Premise: "The patient was admitted with chest pain.", Hypothesis: "The patient has chest pain."},
	string(models.TaskQA):   {Context: "CT of the chest showed no pneumonia.", Question: "What did the CT show?", TopK: 1},
	string(models.TaskCLIP): {Text: "Take aspirin 81 mg daily."},
}

// checkModel loads the repository at dir and runs one example through the
// model, as serve would; it returns the answer in words.
func checkModel(ctx context.Context, dir, name, ortLib, device string) (string, error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	setup, err := openInference(inferFlags{models: dir, ortLib: ortLib, device: device, maxBatch: 1, queue: 64,
		timeout: time.Minute, maxNoteChars: 20000, maxWindows: 64, maxSentences: 512}, log)
	if err != nil {
		return "", err
	}
	defer setup.Close()
	info, ok := setup.engine.Model(name)
	if !ok {
		return "", errors.New("the repository does not list it")
	}
	if info.Status != inference.StatusReady {
		return "", errors.New(info.Error)
	}
	res, err := setup.engine.Infer(ctx, name, checkExamples[info.Task], nil)
	if err != nil {
		if ae := inference.AsError(err); ae.Err != nil {
			return "", fmt.Errorf("%w (%v)", err, ae.Err)
		}
		return "", err
	}
	b, err := json.Marshal(res.Output)
	if err != nil {
		return "", err
	}
	const max = 200
	if len(b) > max {
		b = append(b[:max], "..."...)
	}
	return string(b), nil
}
