package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/eval/devset"
	"github.com/clinlm/clinlm/inference/evaljobs"
)

// Live evaluation: POST /api/v1/evaluations scores a model of the
// repository on a task file in the background, with the code of `clinlm
// eval`; GET shows progress and the report, DELETE cancels. The task file
// travels in the JSON body (at most --max-frame-bytes), is checked line by
// line before the job is queued, and is never written anywhere.

// evaluationRequest is the body of POST /api/v1/evaluations: the model and
// exactly one of Data, Dataset and DataFrom.
type evaluationRequest struct {
	Model string `json:"model"`
	// Data is the task file: JSONL in the format of inference/eval/README.md.
	Data string `json:"data,omitempty"`
	// DataName is how the file is named in the job (default "upload.jsonl").
	DataName string `json:"data_name,omitempty"`
	// Dataset names a task file bundled in the binary ("devset:nli").
	Dataset string `json:"dataset,omitempty"`
	// DataFrom is an evaluation whose task file was kept (keep_data).
	DataFrom string `json:"data_from,omitempty"`
	// KeepData keeps the uploaded file in memory after the run, so that
	// other models can be evaluated on it (data_from); by default it is
	// dropped as soon as it is parsed.
	KeepData bool `json:"keep_data,omitempty"`
}

// evaluationData resolves a request's task file; the error is a message for
// the client (400, or 404 for an unknown evaluation).
func (s *Server) evaluationData(req evaluationRequest) (evaljobs.Data, *echo.HTTPError) {
	given := 0
	for _, v := range []string{req.Data, req.Dataset, req.DataFrom} {
		if strings.TrimSpace(v) != "" {
			given++
		}
	}
	switch {
	case given == 0:
		return evaljobs.Data{}, echo.NewHTTPError(http.StatusBadRequest, "data is required: the task file as JSONL text (or dataset, or data_from)")
	case given > 1:
		return evaljobs.Data{}, echo.NewHTTPError(http.StatusBadRequest, "give one of data, dataset and data_from")
	case req.Dataset != "":
		task, ok := devset.Name(req.Dataset)
		if !ok || !slices.Contains(devset.Tasks(), task) {
			return evaljobs.Data{}, echo.NewHTTPError(http.StatusBadRequest, "dataset must be one of "+strings.Join(bundledSets(), ", "))
		}
		f, err := devset.Open(task)
		if err != nil {
			return evaljobs.Data{}, echo.NewHTTPError(http.StatusBadRequest, err.Error())
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return evaljobs.Data{}, echo.NewHTTPError(http.StatusInternalServerError, "the bundled set could not be read")
		}
		// Bundled sets are part of the binary: nothing of the user's to drop.
		return evaljobs.Data{Name: req.Dataset, Bytes: b}, nil
	case req.DataFrom != "":
		d, err := s.cfg.Evaluations.KeptData(req.DataFrom)
		switch {
		case errors.Is(err, evaljobs.ErrNotFound):
			return evaljobs.Data{}, echo.NewHTTPError(http.StatusNotFound, "data_from: no such evaluation")
		case err != nil:
			return evaljobs.Data{}, echo.NewHTTPError(http.StatusBadRequest, "data_from: "+err.Error()+" (send keep_data with the upload)")
		}
		return d, nil
	}
	if len(req.DataName) > maxDataName || strings.ContainsFunc(req.DataName, func(r rune) bool { return r < ' ' }) {
		return evaljobs.Data{}, echo.NewHTTPError(http.StatusBadRequest, "data_name must be a short name without control characters")
	}
	if req.DataName == "" {
		req.DataName = "upload.jsonl"
	}
	return evaljobs.Data{Name: req.DataName, Bytes: []byte(req.Data), Keep: req.KeepData}, nil
}

// bundledSets names the task files bundled in the binary, as dataset takes them.
func bundledSets() []string {
	var out []string
	for _, t := range devset.Tasks() {
		out = append(out, devset.Prefix+t)
	}
	return out
}

// maxDataName bounds the file name a client gives.
const maxDataName = 200

func (s *Server) registerEvaluations(e *echo.Echo) {
	e.GET("/api/v1/evaluations", s.apiListEvaluations)
	e.POST("/api/v1/evaluations", s.clients.limitRate(s.apiStartEvaluation))
	e.GET("/api/v1/evaluations/:id", s.apiGetEvaluation)
	e.DELETE("/api/v1/evaluations/:id", s.apiCancelEvaluation)
	e.GET("/api/v1/evaluations/:id/misses.jsonl", s.apiEvaluationMisses)
	s.registerEvaluationPages(e)
}

func (s *Server) evaluationsEnabled() error {
	if s.cfg.Evaluations == nil {
		return echo.NewHTTPError(http.StatusNotFound, "live evaluation is not available on this server (it needs loaded models)")
	}
	return nil
}

func (s *Server) apiListEvaluations(c echo.Context) error {
	if err := s.evaluationsEnabled(); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.cfg.Evaluations.List())
}

func (s *Server) apiGetEvaluation(c echo.Context) error {
	if err := s.evaluationsEnabled(); err != nil {
		return err
	}
	j, ok := s.cfg.Evaluations.Get(c.Param("id"))
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such evaluation")
	}
	return c.JSON(http.StatusOK, j)
}

func (s *Server) apiStartEvaluation(c echo.Context) error {
	if err := s.evaluationsEnabled(); err != nil {
		return err
	}
	if ct := c.Request().Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the evaluation as application/json")
	}
	body, err := io.ReadAll(c.Request().Body) // bounded by the body limit middleware
	if err != nil {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the body is too large (see --max-frame-bytes)")
	}
	var req evaluationRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, `the body must be one JSON object {"model", "data" | "dataset" | "data_from", "data_name", "keep_data"}`)
	}
	if req.Model == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "model is required (see /api/v1/models)")
	}
	data, problem := s.evaluationData(req)
	if problem != nil {
		return problem
	}
	j, err := s.cfg.Evaluations.Start(req.Model, data)
	var le *eval.LineError
	switch {
	case errors.Is(err, eval.ErrUnknownModel):
		return echo.NewHTTPError(http.StatusNotFound, "no model called "+strconv.Quote(req.Model)+" (see /api/v1/models)")
	case errors.As(err, &le):
		// The line number and what is wrong, never the line's text.
		return echo.NewHTTPError(http.StatusBadRequest, "data: "+le.Error())
	case errors.Is(err, evaljobs.ErrQueueFull):
		return retryLater(c, http.StatusTooManyRequests, err.Error())
	case err != nil:
		return echo.NewHTTPError(http.StatusBadRequest, "data: "+err.Error())
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/evaluations/"+j.ID)
	return c.JSON(http.StatusAccepted, j)
}

func (s *Server) apiCancelEvaluation(c echo.Context) error {
	if err := s.evaluationsEnabled(); err != nil {
		return err
	}
	j, err := s.cfg.Evaluations.Cancel(c.Param("id"))
	switch {
	case errors.Is(err, evaljobs.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "no such evaluation")
	case errors.Is(err, evaljobs.ErrFinished):
		return echo.NewHTTPError(http.StatusConflict, "the evaluation has already finished")
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, j)
}

// mimeJSONL is the media type of JSON Lines.
const mimeJSONL = "application/jsonl"

// apiEvaluationMisses serves the examples a finished evaluation got wrong,
// one JSON object per line.
func (s *Server) apiEvaluationMisses(c echo.Context) error {
	if err := s.evaluationsEnabled(); err != nil {
		return err
	}
	id := c.Param("id")
	j, ok := s.cfg.Evaluations.Get(id)
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such evaluation")
	}
	misses, done := s.cfg.Evaluations.Misses(id)
	if !done {
		return echo.NewHTTPError(http.StatusConflict, "the evaluation is "+string(j.Status)+"; misses exist once it is done")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, m := range misses {
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="evaluation-`+id+`-misses.jsonl"`)
	return c.Blob(http.StatusOK, mimeJSONL, buf.Bytes())
}
