package server

import "github.com/labstack/echo/v4"

// register lists every route of the dashboard in one place.
func (s *Server) register() {
	e := s.echo
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/static/*", echo.WrapHandler(s.cfg.Assets))
	e.HEAD("/static/*", echo.WrapHandler(s.cfg.Assets))
	s.registerResults(e)     // paper results: /api/v1/{results,results.csv,models,ablation} and pages (server/results_api.go)
	s.registerTokenize()     // /tokenize, /api/v1/tokenizers, /tokenizers/{name}.json (server/tokenize.go)
	s.registerInference()    // POST /api/v1/infer/:model, /ws/infer, /metrics (server/infer.go, server/ws_infer.go)
	s.registerDemo()         // /demo/{nli,qa,clip}, /models, /demo/card/:name (server/demo.go)
	s.registerSubmissions(e) // /api/v1/submissions (+ /:id, /:id/approve), /submit form (server/submissions.go)
	s.registerEvaluations(e) // /api/v1/evaluations (+ /:id): live evaluation (server/evaluations.go)
	// /api/v1/openapi.json and the /api reference page are added by New (registerOpenAPI, server/openapi.go).
}
