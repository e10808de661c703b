package results

// Task names as the paper prints them.
const (
	TaskMedNLI = "MedNLI"
	TaskRadQA  = "RadQA"
	TaskCLIP   = "CLIP"
)

// Metric names (snake_case, as served by the API).
const (
	MetricAccuracy   = "accuracy"
	MetricExactMatch = "exact_match"
	MetricF1         = "f1"
	MetricMicroF1    = "micro_f1"
	MetricMacroF1    = "macro_f1"
)

// TaskSpec names a task and its metrics in the paper's column order.
type TaskSpec struct {
	Name    string   `json:"name"`
	Metrics []string `json:"metrics"`
}

// Tasks returns the three tasks and their metrics in the paper's order
// (Table 3 columns). The schema is fixed in code, not in the data files.
func Tasks() []TaskSpec {
	return []TaskSpec{
		{Name: TaskMedNLI, Metrics: []string{MetricAccuracy}},
		{Name: TaskRadQA, Metrics: []string{MetricExactMatch, MetricF1}},
		{Name: TaskCLIP, Metrics: []string{MetricMicroF1, MetricMacroF1}},
	}
}

// Domain is the pretraining domain a model is counted in.
type Domain string

// The three domains, from most to least specialised.
const (
	DomainClinical   Domain = "clinical"
	DomainBiomedical Domain = "biomedical"
	DomainGeneral    Domain = "general"
)

// Domains returns the domains in display order.
func Domains() []Domain { return []Domain{DomainClinical, DomainBiomedical, DomainGeneral} }

// Method is how a model is applied to the tasks.
type Method string

// Methods used in the paper (§3.2).
const (
	MethodFinetuned Method = "finetuned"
	MethodInContext Method = "in-context"
)

// Quantity is a number as the paper prints it ("34B", "4.5E+19", "–", "?")
// with its numeric value. Value is nil when the paper prints "–" (none),
// "?" (undisclosed) or nothing (the model is not in that table).
type Quantity struct {
	Printed string   `json:"printed"`
	Value   *float64 `json:"value"`
}

// Known reports whether the quantity has a numeric value.
func (q Quantity) Known() bool { return q.Value != nil }

// Float returns the value, or 0 when there is none.
func (q Quantity) Float() float64 {
	if q.Value == nil {
		return 0
	}
	return *q.Value
}

// ByDomain holds one Quantity per pretraining domain.
type ByDomain struct {
	General  Quantity `json:"general"`
	Biomed   Quantity `json:"biomed"`
	Clinical Quantity `json:"clinical"`
}

// Get returns the quantity for a domain.
func (b ByDomain) Get(d Domain) Quantity {
	switch d {
	case DomainGeneral:
		return b.General
	case DomainBiomedical:
		return b.Biomed
	default:
		return b.Clinical
	}
}

// Model is one model of the paper with its metadata.
type Model struct {
	Name string `json:"name"`
	// Origin is OriginPaper, or OriginOwn for a model of an own-results
	// file (Set.WithOwn), which has only a name, params, domain and method.
	Origin Origin `json:"origin"`
	// Aliases are other spellings used in the paper, its appendix tables,
	// the authors' scripts or the weight releases.
	Aliases []string `json:"aliases"`
	// AppendixOnly marks the four models that appear only in the appendix
	// tables (5, 7, 9, 10), not in Table 1.
	AppendixOnly bool `json:"appendix_only"`
	// Family groups models of one architecture lineage (T5, RoBERTa, BERT,
	// GPT, Longformer); Figure 3 fits its regression curves on the T5 family.
	Family       string   `json:"family"`
	Params       Quantity `json:"params"`
	ParamsSource string   `json:"params_source"`
	// Architecture as Table 1 prints it; empty for appendix-only models.
	Architecture string `json:"architecture"`
	// PretrainingTokens per domain (Table 1, or Table 5 for appendix-only models).
	PretrainingTokens ByDomain `json:"pretraining_tokens"`
	PTTSource         string   `json:"ptt_source"`
	// UniquePTT is Table 5's "Unique PTT", read as General / BioMed / Clinical.
	UniquePTT       ByDomain `json:"unique_ptt"`
	UniquePTTSource string   `json:"unique_ptt_source"`
	// FLOPs are Table 3's pretraining FLOPs per domain as printed. FLOPsSource
	// is empty, and every Printed is empty, when the model is not in Table 3.
	FLOPs       ByDomain `json:"flops"`
	FLOPsSource string   `json:"flops_source"`
	// SubmittedFLOPs is a submitted model's total pretraining FLOPs, as its
	// submitter gave them (absent for the paper's and own models).
	SubmittedFLOPs *float64 `json:"submitted_flops,omitempty"`
	Domain         Domain   `json:"domain"`
	DomainReason   string   `json:"domain_reason"`
	Method         Method   `json:"method"`
	MethodSource   string   `json:"method_source"`
}

// InTable1 reports whether the model is one of the paper's 12 Table 1
// models (not appendix-only, not an own model).
func (m Model) InTable1() bool { return !m.AppendixOnly && m.Origin == OriginPaper }

// InTable3 reports whether Table 3 has a FLOPs row for the model.
func (m Model) InTable3() bool { return m.FLOPsSource != "" }

// Result is one served number: a model's mean score on one task metric.
// Std is nil where the paper gives none (the in-context models).
type Result struct {
	Model     string   `json:"model"`
	Task      string   `json:"task"`
	Metric    string   `json:"metric"`
	Value     float64  `json:"value"`
	Std       *float64 `json:"std"`
	Source    string   `json:"source"`
	StdSource string   `json:"std_source"`
	// AltValue is the value another table prints for the same cell when it
	// differs (e.g. GPT-3 MedNLI: 0.805 in Table 3, 0.807 in Table 7).
	AltValue  *float64 `json:"alt_value,omitempty"`
	AltSource string   `json:"alt_source,omitempty"`
	Note      string   `json:"note,omitempty"`
	// Origin is OriginPaper, or OriginOwn for a score of an own-results file.
	Origin Origin `json:"origin"`
}

// StdOrZero returns the std, or 0 when the paper gives none.
func (r Result) StdOrZero() float64 {
	if r.Std == nil {
		return 0
	}
	return *r.Std
}

// AblationRow is one cell of the data ablation (Tables 11–15, Figure 4):
// a model finetuned on a fraction of the training set.
type AblationRow struct {
	Model    string  `json:"model"`
	Task     string  `json:"task"`
	Metric   string  `json:"metric"`
	Fraction float64 `json:"fraction"`
	// Examples is the number of training examples at this fraction
	// (the Figure 4 axis).
	Examples int     `json:"examples"`
	Mean     float64 `json:"mean"`
	Std      float64 `json:"std"`
	Source   string  `json:"source"`
	Note     string  `json:"note,omitempty"`
}

// AblationSize is the number of training examples at one fraction of one
// task's training set (Figure 4's axis ticks).
type AblationSize struct {
	Task     string  `json:"task"`
	Fraction float64 `json:"fraction"`
	Examples int     `json:"examples"`
	Unit     string  `json:"unit"`
	Source   string  `json:"source"`
}

// ICLLine is a horizontal in-context-learning reference line of Figure 4.
type ICLLine struct {
	Line   string  `json:"line"`
	Model  string  `json:"model"`
	Task   string  `json:"task"`
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	Source string  `json:"source"`
}

// Table2Row is one cell of Table 2 (T5 models with different pretraining).
type Table2Row struct {
	Model  string  `json:"model"`
	Size   string  `json:"size"`
	Task   string  `json:"task"`
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
}

// Table5Row is one row of Table 5 (pretraining tokens of all 16 models).
type Table5Row struct {
	Model       string   `json:"model"`
	PrintedName string   `json:"printed_name"`
	Size        Quantity `json:"size"`
	PTT         ByDomain `json:"ptt"`
	UniquePTT   ByDomain `json:"unique_ptt"`
}

// Table8Row is one row of Table 8 (MedNLI accuracy by DAPT steps).
// Model names the served model the row corresponds to, if any.
type Table8Row struct {
	Label       string   `json:"label"`
	Model       string   `json:"model,omitempty"`
	DAPTSteps   int      `json:"dapt_steps"`
	ClinicalPTT Quantity `json:"clinical_ptt"`
	Accuracy    float64  `json:"accuracy"`
	Std         float64  `json:"std"`
}

// CostInput is one input of the §4.1 cost analysis, as printed and numeric.
type CostInput struct {
	Name    string  `json:"name"`
	Value   float64 `json:"value"`
	Printed string  `json:"printed"`
	Unit    string  `json:"unit"`
	Source  string  `json:"source"`
	Note    string  `json:"note,omitempty"`
}

// CostInputs are the §4.1 inputs by name.
type CostInputs struct {
	WClinical             float64 `json:"w_clinical"`
	WGeneral              float64 `json:"w_general"`
	ParamsClinical        float64 `json:"params_clinical"`
	TokensPretrainClin    float64 `json:"tokens_pretrain_clinical"`
	ParamsGeneral         float64 `json:"params_general"`
	TokensFinetune        float64 `json:"tokens_finetune"`
	UFHealthTokensPerYear float64 `json:"uf_health_tokens_per_year"`
	PaperBreakEvenTokens  float64 `json:"paper_breakeven_tokens"`
	PaperYearsToRecover   float64 `json:"paper_years_to_recover"`
}

// Equation is one of the cost equations 1–6 of §4.1.
type Equation struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Formula string `json:"formula"`
	Source  string `json:"source"`
}

// Discrepancy is one of the paper's own inconsistencies, with the tables
// (or other sources) involved.
type Discrepancy struct {
	ID      int      `json:"id"`
	Summary string   `json:"summary"`
	Tables  []string `json:"tables"`
}

// Source is a citable place in the paper (a table, figure or section) or
// in the authors' materials.
type Source struct {
	ID    string `json:"id"`
	Page  int    `json:"page,omitempty"`
	Title string `json:"title"`
}
