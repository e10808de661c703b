package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/results"
	"github.com/clinlm/clinlm/store"
)

// Submissions: researchers submit a result (the form at /submit or POST
// /api/v1/submissions); it is stored pending, and shown on the leaderboard
// marked "submitted" once a moderator approves it. The submitter gets an
// edit key to edit or withdraw it; the moderator token (--moderator-token)
// may do anything. Contact details are kept for moderators only.

// maxSubmissionBody bounds a submission request body; the fields are short.
const maxSubmissionBody = 16 << 10

// Field length limits, in characters.
const (
	maxNameChars    = 200
	maxLinkChars    = 2000
	maxContactChars = 320
)

// submissions is the state of the submission routes.
type submissions struct {
	store store.Store
	// moderatorHash is the SHA-256 of the moderator token; zero when none.
	moderatorHash [sha256.Size]byte
	hasModerator  bool
	// board is the paper's results with the approved submissions added,
	// rebuilt after every change (refreshBoard).
	board atomic.Pointer[results.Set]
}

// registerSubmissions adds the submission API and form.
func (s *Server) registerSubmissions(e *echo.Echo) {
	s.subs = &submissions{store: s.cfg.Submissions}
	if s.cfg.ModeratorToken != "" {
		s.subs.moderatorHash = sha256.Sum256([]byte(s.cfg.ModeratorToken))
		s.subs.hasModerator = true
	}
	s.subs.board.Store(s.cfg.Results)
	if s.subs.store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.refreshBoard(ctx); err != nil {
			s.cfg.Logger.Warn("approved submissions are not on the leaderboard", "err", err)
		}
	}
	e.GET("/api/v1/submissions", s.apiListSubmissions)
	// Writes count against the per-client rate (--client-rate), like inference.
	e.POST("/api/v1/submissions", s.clients.limitRate(s.apiCreateSubmission))
	e.GET("/api/v1/submissions/:id", s.apiGetSubmission)
	e.PATCH("/api/v1/submissions/:id", s.apiEditSubmission)
	e.DELETE("/api/v1/submissions/:id", s.apiWithdrawSubmission)
	e.POST("/api/v1/submissions/:id/approve", s.apiApproveSubmission)
	e.GET("/submit", s.submitPage)
	e.POST("/submit", s.clients.limitRate(s.submitForm))
}

// board is the results the leaderboard and model pages show: the paper's,
// own results, and approved submissions.
func (s *Server) board() *results.Set {
	if s.subs == nil {
		return s.cfg.Results
	}
	return s.subs.board.Load()
}

// refreshBoard rebuilds the leaderboard's set from the approved submissions.
func (s *Server) refreshBoard(ctx context.Context) error {
	all, err := s.subs.store.List(ctx)
	if err != nil {
		return err
	}
	var approved []results.Submission
	for _, sub := range all {
		if sub.Status == store.StatusApproved {
			approved = append(approved, resultsSubmission(sub.ID, sub.Fields))
		}
	}
	set, skipped := s.cfg.Results.WithSubmitted(approved)
	for _, sk := range skipped {
		s.cfg.Logger.Warn("approved submission left off the leaderboard: it no longer passes the checks", "source", sk.Source)
	}
	s.subs.board.Store(set)
	return nil
}

// resultsSubmission is what results checks and ranks of a submission.
func resultsSubmission(id int64, f store.Fields) results.Submission {
	return results.Submission{Model: f.ModelName, Params: f.ModelParams, Domain: f.ModelDomain, Method: f.ModelMethod,
		Task: f.Task, Metric: f.Metric, Value: f.Value, Std: f.Std, Runs: f.Runs, PretrainingFLOPs: f.PretrainingFLOPs,
		Source: submissionSource(id)}
}

func submissionSource(id int64) string { return "submission #" + strconv.FormatInt(id, 10) }

// checkSubmission returns every problem of a submission's fields: the
// results rules (ranges, schema) and the form's own (lengths, links, contact).
func (s *Server) checkSubmission(f store.Fields) []results.Problem {
	out := s.cfg.Results.CheckSubmission(resultsSubmission(0, f))
	add := func(field, msg string) { out = append(out, results.Problem{Field: field, Message: msg}) }
	text := func(field, v string, max int, required bool) {
		switch {
		case v == "" && required:
			add(field, "missing")
		case utf8.RuneCountInString(v) > max:
			add(field, fmt.Sprintf("longer than %d characters", max))
		case strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }):
			add(field, "contains control characters")
		}
	}
	text("model_name", f.ModelName, maxNameChars, false) // "missing" comes from results
	text("contact", f.Contact, maxContactChars, true)
	for _, l := range []struct{ field, v string }{{"model_link", f.ModelLink}, {"paper_link", f.PaperLink}} {
		text(l.field, l.v, maxLinkChars, false)
		if l.v == "" {
			continue
		}
		if u, err := url.Parse(l.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add(l.field, "not an http:// or https:// link")
		}
	}
	return out
}

// submissionView is a submission as the API serves it. Contact is set
// (and so served: it is omitempty) only for the moderator; History only
// for one submission.
type submissionView struct {
	ID int64 `json:"id"`
	store.Fields
	Status    store.Status `json:"status"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	History   []eventView  `json:"history,omitempty"`
	// EditKey is returned once, when the submission is created.
	EditKey string `json:"edit_key,omitempty"`
}

// eventView is one audit entry. Before (the fields before an edit) is
// served to the moderator only.
type eventView struct {
	Kind   store.EventKind `json:"kind"`
	At     time.Time       `json:"at"`
	Before *store.Fields   `json:"before,omitempty"`
}

func viewOf(sub store.Submission, moderator bool) submissionView {
	v := submissionView{ID: sub.ID, Fields: sub.Fields, Status: sub.Status, CreatedAt: sub.CreatedAt, UpdatedAt: sub.UpdatedAt}
	if !moderator {
		v.Contact = ""
	}
	return v
}

// invalidSubmission is the 422 answer: every problem, per field.
type invalidSubmission struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  []results.Problem `json:"fields"`
	} `json:"error"`
}

func answerInvalid(c echo.Context, problems []results.Problem) error {
	var body invalidSubmission
	body.Error.Code = "invalid"
	body.Error.Message = fmt.Sprintf("the submission has %d problem(s); see fields", len(problems))
	body.Error.Fields = problems
	return c.JSON(http.StatusUnprocessableEntity, body)
}

// enabled answers 404 when the server keeps no store: the feature is off
// for good on this server, not busy.
func (s *Server) enabled() error {
	if s.subs.store == nil {
		return echo.NewHTTPError(http.StatusNotFound, "submissions are not enabled on this server (start it with --data-dir or --db)")
	}
	return nil
}

// bearer is the token of an "Authorization: Bearer …" header.
func bearer(c echo.Context) string {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

// isModerator compares the request's token with the moderator token in
// constant time (over hashes, so the length does not leak either).
func (s *Server) isModerator(c echo.Context) bool {
	t := bearer(c)
	if !s.subs.hasModerator || t == "" {
		return false
	}
	h := sha256.Sum256([]byte(t))
	return subtle.ConstantTimeCompare(h[:], s.subs.moderatorHash[:]) == 1
}

// hashKey is the stored form of an edit key.
func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// mayChange reports whether the request holds the submission's edit key or
// the moderator token.
func (s *Server) mayChange(c echo.Context, sub store.Submission) bool {
	if s.isModerator(c) {
		return true
	}
	t := bearer(c)
	return t != "" && subtle.ConstantTimeCompare([]byte(hashKey(t)), []byte(sub.EditKeyHash)) == 1
}

func newEditKey() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// decodeFields reads a JSON body over f: fields left out keep their value,
// unknown fields and wrong types are 400s naming the field.
func decodeFields(c echo.Context, f *store.Fields) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "send the submission as application/json")
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxSubmissionBody))
	if err != nil {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("a submission is at most %d bytes", maxSubmissionBody))
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(f); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("field %q: want a %s, got a JSON %s", te.Field, te.Type, te.Value))
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return echo.NewHTTPError(http.StatusBadRequest, strings.TrimPrefix(err.Error(), "json: "))
		}
		return echo.NewHTTPError(http.StatusBadRequest, "the body is not a JSON object of submission fields")
	}
	if dec.More() {
		return echo.NewHTTPError(http.StatusBadRequest, "the body holds more than one JSON value")
	}
	return nil
}

// lookup loads the submission of the :id parameter.
func (s *Server) lookup(c echo.Context) (store.Submission, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return store.Submission{}, echo.NewHTTPError(http.StatusNotFound, "no such submission")
	}
	sub, err := s.subs.store.Get(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return sub, echo.NewHTTPError(http.StatusNotFound, "no such submission")
	}
	return sub, err
}

// storeError turns a store error of a change into an answer.
func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return echo.NewHTTPError(http.StatusNotFound, "no such submission")
	case errors.Is(err, store.ErrWithdrawn):
		return echo.NewHTTPError(http.StatusConflict, "the submission was withdrawn; submit a new one")
	}
	return err
}

// afterChange rebuilds the leaderboard; the change itself is stored, so a
// failure here is logged, not answered.
func (s *Server) afterChange(c echo.Context) {
	if err := s.refreshBoard(c.Request().Context()); err != nil {
		s.cfg.Logger.Error("rebuilding the leaderboard after a submission change", "err", err)
	}
}

func (s *Server) apiListSubmissions(c echo.Context) error {
	if err := s.enabled(); err != nil {
		return err
	}
	all, err := s.subs.store.List(c.Request().Context())
	if err != nil {
		return err
	}
	mod := s.isModerator(c)
	out := make([]submissionView, 0, len(all))
	for _, sub := range all {
		out = append(out, viewOf(sub, mod))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiGetSubmission(c echo.Context) error {
	if err := s.enabled(); err != nil {
		return err
	}
	sub, err := s.lookup(c)
	if err != nil {
		return err
	}
	events, err := s.subs.store.Events(c.Request().Context(), sub.ID)
	if err != nil {
		return err
	}
	mod := s.isModerator(c)
	v := viewOf(sub, mod)
	for _, e := range events {
		ev := eventView{Kind: e.Kind, At: e.At}
		if mod {
			ev.Before = e.Before
		}
		v.History = append(v.History, ev)
	}
	return c.JSON(http.StatusOK, v)
}

// create stores a checked submission and returns it with its edit key.
func (s *Server) create(c echo.Context, f store.Fields) (submissionView, error) {
	key, err := newEditKey()
	if err != nil {
		return submissionView{}, err
	}
	sub, err := s.subs.store.Create(c.Request().Context(), f, hashKey(key))
	if err != nil {
		return submissionView{}, err
	}
	v := viewOf(sub, false)
	v.EditKey = key
	return v, nil
}

func (s *Server) apiCreateSubmission(c echo.Context) error {
	if err := s.enabled(); err != nil {
		return err
	}
	var f store.Fields
	if err := decodeFields(c, &f); err != nil {
		return err
	}
	if problems := s.checkSubmission(f); len(problems) > 0 {
		return answerInvalid(c, problems)
	}
	v, err := s.create(c, f)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/submissions/"+strconv.FormatInt(v.ID, 10))
	return c.JSON(http.StatusCreated, v)
}

func (s *Server) apiEditSubmission(c echo.Context) error {
	if err := s.enabled(); err != nil {
		return err
	}
	sub, err := s.lookup(c)
	if err != nil {
		return err
	}
	if !s.mayChange(c, sub) {
		return echo.NewHTTPError(http.StatusForbidden, "editing needs the submission's edit key (Authorization: Bearer KEY)")
	}
	f := sub.Fields
	if err := decodeFields(c, &f); err != nil {
		return err
	}
	if problems := s.checkSubmission(f); len(problems) > 0 {
		return answerInvalid(c, problems)
	}
	edited, err := s.subs.store.Edit(c.Request().Context(), sub.ID, f)
	if err != nil {
		return storeError(err)
	}
	s.afterChange(c)
	return c.JSON(http.StatusOK, viewOf(edited, s.isModerator(c)))
}

func (s *Server) apiWithdrawSubmission(c echo.Context) error {
	if err := s.enabled(); err != nil {
		return err
	}
	sub, err := s.lookup(c)
	if err != nil {
		return err
	}
	if !s.mayChange(c, sub) {
		return echo.NewHTTPError(http.StatusForbidden, "withdrawing needs the submission's edit key (Authorization: Bearer KEY)")
	}
	out, err := s.subs.store.Withdraw(c.Request().Context(), sub.ID)
	if err != nil {
		return storeError(err)
	}
	s.afterChange(c)
	return c.JSON(http.StatusOK, viewOf(out, s.isModerator(c)))
}

func (s *Server) apiApproveSubmission(c echo.Context) error {
	if err := s.enabled(); err != nil {
		return err
	}
	if !s.isModerator(c) {
		return echo.NewHTTPError(http.StatusForbidden, "approving needs the moderator token (Authorization: Bearer TOKEN)")
	}
	sub, err := s.lookup(c)
	if err != nil {
		return err
	}
	out, err := s.subs.store.Approve(c.Request().Context(), sub.ID)
	if err != nil {
		return storeError(err)
	}
	s.afterChange(c)
	return c.JSON(http.StatusOK, viewOf(out, true))
}
