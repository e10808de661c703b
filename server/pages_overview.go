package server

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/clinlm/clinlm/components"
	"github.com/clinlm/clinlm/results"
)

// taskCards explain the three tasks to a newcomer (task facts from §3.1 and
// Table 6; the examples are synthetic, written for this site).
func taskCards() []components.TaskCard {
	return []components.TaskCard{
		{
			Name: results.TaskMedNLI, Kind: "natural language inference",
			Question: "Given a sentence from a patient's history (the premise) and a claim about it (the hypothesis), " +
				"does the premise entail the claim, contradict it, or neither?",
			Example: "“Patient denies chest pain.” vs “The patient has chest pain.” → contradiction.",
			Metrics: "accuracy",
			Data:    "About 11K / 1K / 1K sentence pairs (train / validation / test, Table 6); three labels.",
			Href:    leaderboardHref(results.TaskMedNLI),
		},
		{
			Name: results.TaskRadQA, Kind: "question answering",
			Question: "Given a radiology report and a question about it, find the words of the report that answer " +
				"the question, or say that it has no answer.",
			Example: "“Is there a pneumothorax?” → “no pneumothorax is seen”.",
			Metrics: "exact match and token-level F1",
			Data:    "About 4.8K / 1K / 1K questions (Table 6); reports up to 1,024 tokens.",
			Href:    leaderboardHref(results.TaskRadQA),
		},
		{
			Name: results.TaskCLIP, Kind: "multi-label classification",
			Question: "Which follow-up actions does a sentence of a discharge summary ask for? A sentence may carry " +
				"several of seven labels (appointment, medication, lab, procedure, imaging, patient instructions, " +
				"other) or none.",
			Example: "“Follow up with cardiology in 2 weeks and have your INR checked.” → appointment, lab.",
			Metrics: "micro and macro F1 over the seven labels",
			Data:    "About 107K / 10K / 10K sentences (Table 6); in-context models were scored on 25% of the test set.",
			Href:    leaderboardHref(results.TaskCLIP),
		},
	}
}

// overviewPage serves /.
func (s *Server) overviewPage(c echo.Context) error {
	page, err := s.buildOverview()
	if err != nil {
		return err
	}
	ch := s.chrome("Overview", "overview")
	ch.Description = "The results of “Do We Still Need Clinical Language Models?” (CHIL 2023) as a living leaderboard."
	return render(c, http.StatusOK, components.Overview(ch, page))
}

func (s *Server) buildOverview() (components.OverviewPage, error) {
	set := s.cfg.Results
	page := components.OverviewPage{Tasks: taskCards(), ModelCount: len(slices.DeleteFunc(set.Models(), func(m results.Model) bool { return !m.InTable1() }))}
	for _, t := range results.Tasks() {
		for _, m := range t.Metrics {
			rows, err := set.Results(results.Filter{Task: t.Name, Metric: m})
			if err != nil {
				return page, err
			}
			row := components.BestRow{Task: t.Name, Metric: metricLabel(m)}
			for _, st := range results.Rank(rows) {
				link := components.Link{Text: st.Model, Href: modelHref(st.Model)}
				switch {
				case st.Best:
					if len(row.Models) == 0 {
						row.Value, row.Std, row.Source = fmtScore(st.Value), fmtStd(st.Std), sourceTitle(st.Result)
					}
					row.Models = append(row.Models, link)
				case st.TiedWithBest:
					row.TiedWith = append(row.TiedWith, link)
				}
			}
			page.Best = append(page.Best, row)
		}
	}
	return page, nil
}
