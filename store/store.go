// Package store keeps what users add to the dashboard — result submissions
// and the audit history of each — in SQLite (the default, a file in the data
// directory) or PostgreSQL. Both run the same SQL through database/sql; the
// schema is created and upgraded by embedded goose migrations when a store
// is opened.
package store

import (
	"context"
	"errors"
	"time"
)

// Status is where a submission stands in moderation.
type Status string

// A submission is pending until a moderator approves it; withdrawn is final.
const (
	StatusPending   Status = "pending"
	StatusApproved  Status = "approved"
	StatusWithdrawn Status = "withdrawn"
)

// EventKind names one change in a submission's audit history.
type EventKind string

// The changes a submission goes through.
const (
	EventCreated   EventKind = "created"
	EventEdited    EventKind = "edited"
	EventApproved  EventKind = "approved"
	EventWithdrawn EventKind = "withdrawn"
)

// Fields are what a submitter gives. The store keeps them as given; the
// caller validates them first (results.CheckSubmission).
type Fields struct {
	ModelName   string   `json:"model_name"`
	ModelParams string   `json:"model_params"`
	ModelDomain string   `json:"model_domain"`
	ModelMethod string   `json:"model_method"`
	ModelLink   string   `json:"model_link"`
	Task        string   `json:"task"`
	Metric      string   `json:"metric"`
	Value       float64  `json:"value"`
	Std         *float64 `json:"std"`
	Runs        int      `json:"runs"`
	PaperLink   string   `json:"paper_link"`
	// PretrainingFLOPs is the model's total pretraining compute, when the
	// submitter gives it (places the model on Figure 3).
	PretrainingFLOPs *float64 `json:"pretraining_flops,omitempty"`
	// Contact is private: the store keeps it for moderators, and callers
	// must never put it on a public page or API answer.
	Contact string `json:"contact,omitempty"`
}

// Submission is one stored result submission.
type Submission struct {
	ID int64
	Fields
	// EditKeyHash is the hex SHA-256 of the key that lets the submitter
	// edit or withdraw the submission; the key itself is never stored.
	EditKeyHash string
	Status      Status
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Event is one entry of a submission's audit history. Before holds the
// fields as they were before an edit; it is nil for the other kinds.
type Event struct {
	ID           int64
	SubmissionID int64
	Kind         EventKind
	At           time.Time
	Before       *Fields
}

// Errors the Store methods wrap, for callers to answer 404 or 409.
var (
	ErrNotFound  = errors.New("submission not found")
	ErrWithdrawn = errors.New("submission was withdrawn")
)

// Store keeps submissions. Every method is one transaction: it either
// happens whole, audit event included, or not at all.
type Store interface {
	// Create stores a new pending submission with the hash of its edit key.
	Create(ctx context.Context, f Fields, editKeyHash string) (Submission, error)
	// Get returns one submission (ErrNotFound when there is none).
	Get(ctx context.Context, id int64) (Submission, error)
	// List returns every submission, oldest first.
	List(ctx context.Context) ([]Submission, error)
	// Edit replaces a submission's fields and puts it back to pending, so a
	// moderator sees the new numbers before they count. ErrWithdrawn when
	// the submission was withdrawn.
	Edit(ctx context.Context, id int64, f Fields) (Submission, error)
	// Withdraw marks a submission withdrawn; it stays in the history.
	Withdraw(ctx context.Context, id int64) (Submission, error)
	// Approve marks a pending submission approved.
	Approve(ctx context.Context, id int64) (Submission, error)
	// Events returns a submission's audit history, oldest first.
	Events(ctx context.Context, id int64) ([]Event, error)
	Close() error
}
