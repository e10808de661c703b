package server

import (
	"fmt"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
)

// chrome builds the page frame's view model.
func (s *Server) chrome(title, active string, scripts ...string) components.Chrome {
	return components.Chrome{Title: title, Active: active, Asset: s.cfg.Assets.Path, Scripts: scripts}
}

// render writes a templ component through a buffer, so a failed render
// becomes a clean 500 instead of half a page.
func render(c echo.Context, status int, t templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := t.Render(c.Request().Context(), buf); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

func (s *Server) renderErrorPage(c echo.Context, status int, message string) error {
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	return render(c, status, components.ErrorPage(s.chrome(title, ""), status, message))
}
