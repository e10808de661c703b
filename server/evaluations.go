package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/inference/eval"
	"github.com/clinlm/clinlm/inference/evaljobs"
)

// Live evaluation: POST /api/v1/evaluations scores a model of the
// repository on a task file in the background, with the code of `clinlm
// eval`; GET shows progress and the report, DELETE cancels. The task file
// travels in the JSON body (at most --max-frame-bytes), is checked line by
// line before the job is queued, and is never written anywhere.

// evaluationRequest is the body of POST /api/v1/evaluations.
type evaluationRequest struct {
	Model string `json:"model"`
	// Data is the task file: JSONL in the format of inference/eval/README.md.
	Data string `json:"data"`
	// DataName is how the file is named in the job (default "upload.jsonl").
	DataName string `json:"data_name,omitempty"`
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
		return echo.NewHTTPError(http.StatusBadRequest, `the body must be one JSON object {"model", "data", "data_name"}`)
	}
	switch {
	case req.Model == "":
		return echo.NewHTTPError(http.StatusBadRequest, "model is required (see /api/v1/models)")
	case strings.TrimSpace(req.Data) == "":
		return echo.NewHTTPError(http.StatusBadRequest, "data is required: the task file as JSONL text")
	case len(req.DataName) > maxDataName || strings.ContainsFunc(req.DataName, func(r rune) bool { return r < ' ' }):
		return echo.NewHTTPError(http.StatusBadRequest, "data_name must be a short name without control characters")
	}
	if req.DataName == "" {
		req.DataName = "upload.jsonl"
	}
	j, err := s.cfg.Evaluations.Start(req.Model, req.DataName, []byte(req.Data))
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
