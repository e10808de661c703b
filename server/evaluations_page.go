package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/eval/devset"
	"github.com/clinlm/clinlm/inference/evaljobs"
	"github.com/clinlm/clinlm/results"
)

// The live evaluation pages: /evaluate (form and list), /evaluations/{id}
// (progress, reloading itself while running; the report when done).

// evaluationScript streams a running evaluation's progress into its page.
const evaluationScript = "js/evaluation.js"

// maxMissesShown bounds the misses listed on an evaluation's page; the
// download has them all.
const maxMissesShown = 50

func (s *Server) registerEvaluationPages(e *echo.Echo) {
	e.GET("/evaluate", s.evaluatePage)
	e.POST("/evaluate", s.clients.limitRate(s.evaluateForm))
	e.GET("/evaluations/:id", s.evaluationPage)
	e.POST("/evaluations/:id/cancel", s.evaluationCancelForm)
}

func (s *Server) evaluatePage(c echo.Context) error {
	return s.renderEvaluate(c, evaluationRequest{DataFrom: c.QueryParam("data_from")}, "")
}

// evaluateForm takes the multipart form. The whole body is within the body
// limit and parsed in memory, so the uploaded notes never touch the disk.
func (s *Server) evaluateForm(c echo.Context) error {
	if err := s.evaluationsEnabled(); err != nil {
		return err
	}
	limit := s.cfg.InferLimits.withDefaults().MaxFrameBytes
	if err := c.Request().ParseMultipartForm(limit + 1<<20); err != nil {
		return s.renderEvaluate(c, evaluationRequest{}, "The form could not be read: choose a task file of at most "+byteSize(limit)+".")
	}
	req := evaluationRequest{Model: c.FormValue("model"), Dataset: c.FormValue("dataset"), DataFrom: c.FormValue("data_from"),
		KeepData: c.FormValue("keep_data") != ""}
	if req.Dataset == "" && req.DataFrom == "" {
		fh, err := c.FormFile("data")
		if err != nil {
			return s.renderEvaluate(c, req, "Choose a task file, or one of the bundled sets.")
		}
		f, err := fh.Open()
		if err != nil {
			return s.renderEvaluate(c, req, "The task file could not be read.")
		}
		data, err := io.ReadAll(io.LimitReader(f, limit+1))
		f.Close()
		if err != nil || int64(len(data)) > limit {
			return s.renderEvaluate(c, req, "The task file is larger than "+byteSize(limit)+".")
		}
		req.Data, req.DataName = string(data), fh.Filename
		if len(req.DataName) > maxDataName || strings.ContainsFunc(req.DataName, func(r rune) bool { return r < ' ' }) {
			req.DataName = "upload.jsonl"
		}
	}
	data, problem := s.evaluationData(req)
	if problem != nil {
		req.DataFrom = ""
		return s.renderEvaluate(c, req, "The task file: "+fmt.Sprint(problem.Message)+".")
	}
	j, err := s.cfg.Evaluations.Start(req.Model, data)
	var le *eval.LineError
	switch {
	case errors.Is(err, eval.ErrUnknownModel):
		req.Model = ""
		return s.renderEvaluate(c, req, "Choose one of the listed models.")
	case errors.As(err, &le):
		return s.renderEvaluate(c, req, "The task file has a problem at "+le.Error())
	case errors.Is(err, evaljobs.ErrQueueFull):
		return s.renderEvaluate(c, req, "Too many evaluations wait for this model; try again later.")
	case err != nil:
		return s.renderEvaluate(c, req, "The task file has a problem: "+err.Error())
	}
	return c.Redirect(http.StatusSeeOther, "/evaluations/"+j.ID)
}

// renderEvaluate shows the form with what the last post chose.
func (s *Server) renderEvaluate(c echo.Context, req evaluationRequest, problem string) error {
	page := components.EvaluatePage{Enabled: s.cfg.Evaluations != nil, Error: problem,
		MaxSize: byteSize(s.cfg.InferLimits.withDefaults().MaxFrameBytes), KeepData: req.KeepData}
	page.Datasets = append(page.Datasets, components.Choice{ID: "e-set-upload", Value: "", Label: "the file chosen below", Checked: req.Dataset == ""})
	for _, d := range bundledSets() {
		page.Datasets = append(page.Datasets, components.Choice{ID: "e-set-" + strings.TrimPrefix(d, devset.Prefix), Value: d,
			Label: d + " (bundled clinician-style dev set)", Checked: req.Dataset == d})
	}
	if s.cfg.Evaluations != nil {
		if d, err := s.cfg.Evaluations.KeptData(req.DataFrom); err == nil {
			page.DataFrom, page.DataFromName = req.DataFrom, d.Name
		}
		for _, m := range s.cfg.Evaluations.Models() {
			page.Models = append(page.Models, components.Choice{Value: m.Name, Label: m.Name + " (" + m.Task + ")", Checked: m.Name == req.Model})
		}
		jobs := s.cfg.Evaluations.List()
		for i := len(jobs) - 1; i >= 0; i-- { // newest first
			j := jobs[i]
			page.Rows = append(page.Rows, components.EvaluationRow{ID: j.ID, Href: "/evaluations/" + j.ID, Model: j.Model,
				Data: j.DataName, Status: string(j.Status), Progress: fmt.Sprintf("%d / %d", j.Done, j.Items),
				Summary: metricSummary(j), Queued: j.QueuedAt.Format("2006-01-02 15:04")})
		}
	}
	ch := s.chrome("Evaluate a model", "evaluate")
	ch.Description = "Score a model of the repository on a task file, live."
	return render(c, http.StatusOK, components.Evaluate(ch, page))
}

func (s *Server) evaluationPage(c echo.Context) error {
	if err := s.evaluationsEnabled(); err != nil {
		return err
	}
	j, ok := s.cfg.Evaluations.Get(c.Param("id"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "There is no evaluation with that number (finished ones are forgotten after a while).")
	}
	running := j.Status == evaljobs.StatusRunning || j.Status == evaljobs.StatusQueued
	page := components.EvaluationPage{ID: j.ID, Model: j.Model, ModelVersion: j.ModelVersion, Task: j.Task, Data: j.DataName,
		SHA256: j.DataSHA256, DataKept: j.DataKept,
		Status: string(j.Status), Error: j.Error, Items: j.Items, Done: j.Done, Running: running, Cancellable: running,
		JSONHref: "/api/v1/evaluations/" + j.ID}
	if j.ETASeconds != nil {
		page.ETA = (time.Duration(*j.ETASeconds) * time.Second).Round(time.Second).String()
	}
	if j.Metric != nil {
		page.RunningMetric = j.Metric.Name + " " + strconv.FormatFloat(j.Metric.Value, 'f', 4, 64)
	}
	if j.StartedAt != nil {
		page.Started = j.StartedAt.Format(time.RFC3339)
	}
	if j.DurationSeconds != nil {
		page.Duration = strconv.FormatFloat(*j.DurationSeconds, 'f', 1, 64) + " s"
	}
	if j.Report != nil {
		for _, m := range j.Report.Metrics {
			page.Metrics = append(page.Metrics, components.EvalMetric{Name: m.Name, Value: strconv.FormatFloat(m.Value, 'f', 4, 64)})
		}
	}
	if misses, done := s.cfg.Evaluations.Misses(j.ID); done {
		page.MissCount, page.MissesHref, page.Misses = len(misses), missesHref(j.ID), shownMisses(misses)
	}
	ch := s.chrome("Evaluation #"+j.ID, "evaluate", evaluationScript)
	if running {
		ch.RefreshSeconds = 2
	}
	return render(c, http.StatusOK, components.Evaluation(ch, page))
}

func missesHref(id string) string { return "/api/v1/evaluations/" + id + "/misses.jsonl" }

// shownMisses are the first misses, for a page; the download has them all.
func shownMisses(misses []evaljobs.Miss) []components.EvalMiss {
	var out []components.EvalMiss
	for _, m := range misses[:min(len(misses), maxMissesShown)] {
		em := components.EvalMiss{Line: strconv.Itoa(m.Line), ID: m.ID, Gold: strings.Join(m.Gold, ", "),
			Predicted: strings.Join(m.Predicted, ", ")}
		if m.F1 != nil {
			em.F1 = strconv.FormatFloat(*m.F1, 'f', 1, 64)
		}
		out = append(out, em)
	}
	return out
}

// lastEvaluation is a model's latest finished live evaluation with what it
// got wrong, for its card; nil when it has none.
func (s *Server) lastEvaluation(model string) *components.ModelEvaluation {
	if s.cfg.Evaluations == nil {
		return nil
	}
	jobs := s.cfg.Evaluations.List()
	for i := len(jobs) - 1; i >= 0; i-- {
		j := jobs[i]
		if j.Model != model || j.Status != evaljobs.StatusDone {
			continue
		}
		misses, ok := s.cfg.Evaluations.Misses(j.ID)
		if !ok {
			continue
		}
		e := &components.ModelEvaluation{ID: j.ID, Href: "/evaluations/" + j.ID, Data: j.DataName, SHA256: j.DataSHA256,
			Items: strconv.Itoa(j.Items), Metrics: metricSummary(j), MissCount: len(misses), MissesHref: missesHref(j.ID),
			Misses: shownMisses(misses)}
		if j.FinishedAt != nil {
			e.Date = j.FinishedAt.Format("2006-01-02 15:04 UTC")
		}
		return e
	}
	return nil
}

func (s *Server) evaluationCancelForm(c echo.Context) error {
	if err := s.evaluationsEnabled(); err != nil {
		return err
	}
	_, err := s.cfg.Evaluations.Cancel(c.Param("id"))
	if errors.Is(err, evaljobs.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "There is no evaluation with that number.")
	}
	// A job that finished meanwhile is shown as it is.
	return c.Redirect(http.StatusSeeOther, "/evaluations/"+c.Param("id"))
}

// paperTaskOf is the paper's task a model task stands in for on the
// leaderboard (nli for MedNLI, qa for RadQA, clip for CLIP).
func paperTaskOf(task string) string {
	switch task {
	case eval.TaskNLI:
		return results.TaskMedNLI
	case eval.TaskQA:
		return results.TaskRadQA
	case eval.TaskCLIP:
		return results.TaskCLIP
	}
	return ""
}

// evaluatedScores are the finished live evaluations for the leaderboard of
// task ("" for all), newest first.
func (s *Server) evaluatedScores(task string) []components.EvaluatedScore {
	if s.cfg.Evaluations == nil {
		return nil
	}
	jobs := s.cfg.Evaluations.List()
	var out []components.EvaluatedScore
	for i := len(jobs) - 1; i >= 0; i-- {
		j := jobs[i]
		if j.Status != evaljobs.StatusDone || (task != "" && paperTaskOf(j.Task) != task) {
			continue
		}
		row := components.EvaluatedScore{ID: j.ID, Href: "/evaluations/" + j.ID, Model: j.Model, ModelVersion: j.ModelVersion,
			Task: j.Task + " (stands in for " + paperTaskOf(j.Task) + ")", Data: j.DataName, SHA256: j.DataSHA256,
			Items: strconv.Itoa(j.Items), Metrics: metricSummary(j)}
		if j.FinishedAt != nil {
			row.Date = j.FinishedAt.Format("2006-01-02 15:04 UTC")
		}
		if j.DurationSeconds != nil {
			row.Duration = strconv.FormatFloat(*j.DurationSeconds, 'f', 1, 64) + " s"
		}
		out = append(out, row)
	}
	return out
}

// metricSummary is a finished job's headline numbers on one line.
func metricSummary(j evaljobs.Job) string {
	if j.Report == nil {
		return j.Error
	}
	var parts []string
	for _, m := range j.Report.Metrics {
		parts = append(parts, m.Name+" "+strconv.FormatFloat(m.Value, 'f', 4, 64))
	}
	return strings.Join(parts, ", ")
}

// byteSize prints a limit as "1 MiB" or "512 KiB".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
