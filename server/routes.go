package server

import (
	"net/http"

	"github.com/clinlm/clinlm/static"
	"github.com/labstack/echo/v4"
)

// register lists every route of the dashboard in one place.
func (s *Server) register() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/static/*", echo.WrapHandler(s.cfg.Assets))
	e.HEAD("/static/*", echo.WrapHandler(s.cfg.Assets))
	favicon := static.FaviconICO() // pages link the SVG; browsers still ask for /favicon.ico
	e.GET("/favicon.ico", func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=86400")
		return c.Blob(http.StatusOK, "image/vnd.microsoft.icon", favicon)
	})
	s.registerResults(e)     // paper results: /api/v1/{results,results.csv,models,ablation} and pages (server/results_api.go)
	s.registerTokenize()     // /tokenize, /api/v1/tokenizers, /tokenizers/{name}.json (server/tokenize.go)
	s.registerInference()    // POST /api/v1/infer/:model, /ws/infer, /metrics (server/infer.go, server/ws_infer.go)
	s.registerDemo()         // /demo/{nli,qa,clip}, /models, /demo/card/:name (server/demo.go)
	s.registerSubmissions(e) // /api/v1/submissions (+ /:id, /:id/approve), /submit form (server/submissions.go)
	s.registerEvaluations(e) // /api/v1/evaluations (+ /:id): live evaluation (server/evaluations.go)
	s.registerV2()           // KServe v2 (Open Inference Protocol): /v2, /v2/health/*, /v2/models/... (server/v2.go)
	// /api/v1/openapi.json and the /api reference page are added by New (registerOpenAPI, server/openapi.go).
}
