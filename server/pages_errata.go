package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/results"
)

// errataPage serves /errata.
func (s *Server) errataPage(c echo.Context) error {
	ch := s.chrome("Errata", "errata")
	ch.Description = "Inconsistencies in the paper's own tables, and Table 3's FLOPs recomputed as 6PT."
	return render(c, http.StatusOK, components.Errata(ch, s.buildErrata()))
}

func (s *Server) buildErrata() components.ErrataPage {
	set := s.cfg.Results
	page := components.ErrataPage{Tolerance: trimZero(100*results.FLOPsTolerance, 1) + "%"}
	for _, d := range set.Discrepancies() {
		page.Items = append(page.Items, components.Erratum{ID: strconv.Itoa(d.ID), Summary: d.Summary, Sources: d.Tables})
	}
	for _, f := range set.FLOPsChecks() {
		if !f.Reproduces {
			page.Mismatch++
		}
		page.FLOPs = append(page.FLOPs, components.FLOPsCheckRow{
			Model: f.Model, Href: modelHref(f.Model), Domain: string(f.Domain), Params: f.Params, Tokens: f.Tokens,
			Printed: f.Printed, Recomputed: fmtSci(f.Recomputed), Ratio: trimZero(f.PrintedValue/f.Recomputed, 2),
			Reproduces: f.Reproduces,
		})
	}
	return page
}
