package components

// View models of the results pages. The server builds them (sorting,
// filtering, formatting, tie marking); the templates only lay them out.

// Link is a labelled URL.
type Link struct {
	Text, Href string
}

// Tab is one entry of a tab strip; Current marks the page shown.
type Tab struct {
	Label, Href string
	Current     bool
}

// Choice is a checkbox, radio button or select option of a GET form.
type Choice struct {
	// ID is the element id (for its label); unique on the page.
	ID                 string
	Name, Value, Label string
	Checked            bool
}

// Footnote explains a marked number.
type Footnote struct {
	N    int
	Text string
}

// ---- Overview ----

// OverviewPage is the landing page.
type OverviewPage struct {
	Tasks []TaskCard
	Best  []BestRow
	// ModelCount is the number of Table 1 models on the leaderboard.
	ModelCount int
}

// TaskCard explains one task to a newcomer.
type TaskCard struct {
	Name, Kind, Question, Example, Metrics, Data string
	Href                                         string
}

// BestRow is the top model(s) for one task metric.
type BestRow struct {
	Task, Metric string
	Models       []Link
	Value, Std   string
	Source       string
	// TiedWith lists the other models within one std of the best.
	TiedWith []Link
}

// ---- Leaderboard ----

// LeaderboardPage is the combined or a per-task leaderboard.
type LeaderboardPage struct {
	Heading, Intro string
	Tabs           []Tab
	Form           FilterForm
	Columns        []Column
	Rows           []LeaderRow
	// Shown and Total count rows after and before filtering.
	Shown, Total int
	Footnotes    []Footnote
	Downloads    []Link
	Permalink    string
	// Demo are clinlm's own demo runs on public stand-in data, shown in a
	// table of their own below the paper's.
	Demo []DemoScore
	// Evaluated are the live evaluations finished on this server.
	Evaluated []EvaluatedScore
}

// DemoScore is one score of a clinlm demo model or comparison run.
type DemoScore struct {
	Run, Encoder, Domain, StandIn, Dataset, Metric, Value, Weights, Note string
	Layers, Vocab                                                        string
	// CardHref links the shipped model's card; "" for comparison runs.
	CardHref string
}

// FilterForm is the leaderboard's GET form; every control mirrors a URL
// query parameter, so the page works without JavaScript.
type FilterForm struct {
	Action    string
	Domains   []Choice
	Sizes     []Choice
	Methods   []Choice
	Columns   []Choice
	Sort, Dir string
	ResetHref string
}

// Column is a header cell. Sort is "ascending", "descending" or "none"
// (the aria-sort value); SortHref re-sorts by this column.
type Column struct {
	Key, Label, Title string
	Numeric           bool
	Sort              string
	SortHref          string
}

// LeaderRow is one model's row.
type LeaderRow struct {
	Model, Href string
	// Own marks a model of the user's own-results file, not the paper's.
	Own bool
	// Submitted marks an approved submission (server/submissions.go).
	Submitted bool
	Cells     []Cell
}

// Cell kinds.
const (
	CellText  = "text"
	CellBadge = "badge"
	CellScore = "score"
)

// Cell is one table cell. For scores, Text is the mean, Std the "±0.003"
// part, Title names the source of each number; Best and Tie mark the top
// value of the column and values tied with it within one std.
type Cell struct {
	Kind, Key, Text, Std, Title string
	Best, Tie                   bool
	Footnote                    int
}

// ---- Model page ----

// ModelPage shows one model's facts, metrics and ablation curve.
type ModelPage struct {
	Name         string
	Domain       string
	DomainReason string
	AppendixOnly bool
	// Own marks a model of the user's own-results file: it has scores and a
	// few facts, and no pretraining table.
	Own bool
	// Submitted marks an approved submission: like Own, scores and a few facts.
	Submitted bool
	Aliases   []string
	Facts     []Fact
	Tokens    []TokenRow
	Metrics   []MetricRow
	Ablation  *AblationPanel
	Table8    []Table8Row
	Links     []Link
}

// Fact is one labelled fact with its source.
type Fact struct {
	Label, Value, Source string
}

// TokenRow is one pretraining domain: tokens (Table 1/5), unique tokens
// (Table 5), FLOPs as printed (Table 3) and recomputed as 6PT.
type TokenRow struct {
	Domain, Tokens, Unique, FLOPs, SixPT string
}

// MetricRow is one metric with where each number comes from.
type MetricRow struct {
	Task, Metric, Value, ValueSource, Std, StdSource, Note string
	Best, Tie                                              bool
	LeaderboardHref                                        string
}

// Table8Row is a row of Table 8 (MedNLI accuracy by DAPT steps).
type Table8Row struct {
	Label, Steps, Tokens, Accuracy, Std string
}

// ---- Figures ----

// FlopsPage is Figure 3: score against ln(total pretraining FLOPs).
type FlopsPage struct {
	Panels   []FlopsPanel
	Excluded []Link
	// Unplotted are submitted and live-evaluated models left off, and why.
	Unplotted []string
}

// FlopsPanel is one task's chart and the table behind it.
type FlopsPanel struct {
	ID, Title, Metric string
	Chart             Chart
	Rows              []FlopsRow
	Fits              []FitRow
}

// FlopsRow is one point of Figure 3.
type FlopsRow struct {
	Model, Href, Domain, FLOPs, LnFLOPs, Score string
	Frontier                                   bool
	// Kind is "" for the paper's models, else "submitted" or "evaluated
	// here" (drawn with their own marker).
	Kind string
}

// FitRow describes one regression curve.
type FitRow struct {
	Group, Models, Slope, Intercept, R2 string
}

// AblationPage is Figure 4: scores against training examples.
type AblationPage struct {
	Panels []AblationPanel
}

// AblationPanel is one task metric's curves and the table behind them.
type AblationPanel struct {
	ID, Title, Unit string
	// RowHead heads the first column ("Model", or "Task metric" on a model page).
	RowHead string
	Chart   Chart
	// Fractions are the column heads ("1%" and the examples it stands for).
	Fractions []AblationFraction
	Rows      []AblationTableRow
	Refs      []RefRow
	Source    string
	Notes     []string
}

// AblationFraction is a column of the ablation table.
type AblationFraction struct {
	Percent, Examples string
}

// AblationTableRow is one model's scores at each fraction.
type AblationTableRow struct {
	Model, Href string
	Cells       []AblationCell
}

// AblationCell is a mean ± std at one fraction.
type AblationCell struct {
	Mean, Std, Title string
}

// RefRow is a reference line's value.
type RefRow struct {
	Name, Value, Source string
}

// ---- Cost ----

// CostPage is the break-even calculator of §4.1.
type CostPage struct {
	Fields    []CostField
	Error     string
	Result    CostResult
	Readings  []CostReading
	Claim     string
	ClaimYear string
	Equations []EquationRow
	Chart     *Chart
	ResetHref string
}

// CostField is one number input of the calculator.
type CostField struct {
	Name, Label, Symbol, Unit, Value, Step, Help string
	Invalid                                      bool
}

// CostResult is what the calculator computed from the form.
type CostResult struct {
	OK                  bool
	BreakEven, Years    string
	Message             string
	ClinicalPerToken    string
	GeneralPerToken     string
	PretrainingClinical string
}

// CostReading is one reading of the paper's own case.
type CostReading struct {
	Label, WG, BreakEven, Years string
	MatchesPaper                bool
}

// EquationRow is one of equations 1–6.
type EquationRow struct {
	ID, Name, Formula string
}

// ---- Errata ----

// ErrataPage lists the paper's inconsistencies and the FLOPs recomputation.
type ErrataPage struct {
	Items     []Erratum
	FLOPs     []FLOPsCheckRow
	Tolerance string
	Mismatch  int
}

// Erratum is one inconsistency with the sources involved.
type Erratum struct {
	ID, Summary string
	Sources     []string
}

// FLOPsCheckRow is one printed Table 3 cell beside 6PT.
type FLOPsCheckRow struct {
	Model, Href, Domain, Params, Tokens, Printed, Recomputed, Ratio string
	Reproduces                                                      bool
}
