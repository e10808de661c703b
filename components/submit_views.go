package components

// ---- Submissions ----

// SubmitPage is the submission form (/submit) and the list of submissions.
type SubmitPage struct {
	// Enabled is false when the server keeps no store: the form is not shown.
	Enabled bool
	Fields  []SubmitField
	// Problems counts the fields with a problem after a failed post.
	Problems int
	// Created is set after a successful post.
	Created *SubmitCreated
	Rows    []SubmissionRow
}

// SubmitField is one input of the form with the value and problem of the
// last post.
type SubmitField struct {
	Name, Label, Hint string
	// Type is an input type (text, url, email, number) or "select".
	Type     string
	Value    string
	Required bool
	Options  []Choice
	Problem  string
}

// SubmitCreated tells the submitter what happened and how to change it.
type SubmitCreated struct {
	ID, EditKey, APIHref string
}

// SubmissionRow is one submission as the public sees it (no contact).
type SubmissionRow struct {
	ID, Model, ModelHref, Task, Metric, Value, Std, Runs, Status, PaperLink, Submitted string
}
