package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// sqlStore is the Store over database/sql. The SQL is the common subset of
// SQLite and PostgreSQL ($n placeholders, RETURNING), so one implementation
// serves both.
type sqlStore struct {
	db *sql.DB
}

const submissionColumns = `id, model_name, model_params, model_domain, model_method, model_link, task, metric,
	value, std, runs, paper_link, contact, edit_key_hash, status, created_at, updated_at, pretraining_flops`

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

func scanSubmission(r rowScanner) (Submission, error) {
	var s Submission
	var std, flops sql.NullFloat64
	var created, updated int64
	err := r.Scan(&s.ID, &s.ModelName, &s.ModelParams, &s.ModelDomain, &s.ModelMethod, &s.ModelLink,
		&s.Task, &s.Metric, &s.Value, &std, &s.Runs, &s.PaperLink, &s.Contact, &s.EditKeyHash, &s.Status, &created, &updated, &flops)
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrNotFound
	}
	if err != nil {
		return s, err
	}
	if std.Valid {
		s.Std = &std.Float64
	}
	if flops.Valid {
		s.PretrainingFLOPs = &flops.Float64
	}
	s.CreatedAt, s.UpdatedAt = fromMicros(created), fromMicros(updated)
	return s, nil
}

// Times are stored as microseconds since the epoch in UTC: the precision
// both databases keep, in a type both have.
func micros(t time.Time) int64      { return t.UnixMicro() }
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nullableFloat is an optional number as a query argument (NULL when absent).
func nullableFloat(std *float64) any {
	if std == nil {
		return nil
	}
	return *std
}

// inTx runs fn in one transaction, committing when it returns nil.
func (s *sqlStore) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

func addEvent(ctx context.Context, tx *sql.Tx, id int64, kind EventKind, at time.Time, before *Fields) error {
	detail := []byte("{}")
	if before != nil {
		var err error
		if detail, err = json.Marshal(before); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx,
		`INSERT INTO submission_events (submission_id, kind, at, before_json) VALUES ($1, $2, $3, $4)`,
		id, string(kind), micros(at), string(detail))
	if err != nil {
		return fmt.Errorf("store: event: %w", err)
	}
	return nil
}

func getTx(ctx context.Context, tx *sql.Tx, id int64) (Submission, error) {
	return scanSubmission(tx.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE id = $1`, id))
}

func (s *sqlStore) Create(ctx context.Context, f Fields, editKeyHash string) (Submission, error) {
	var out Submission
	now := time.Now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `INSERT INTO submissions (model_name, model_params, model_domain, model_method,
			model_link, task, metric, value, std, runs, paper_link, contact, edit_key_hash, status, created_at, updated_at,
			pretraining_flops)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16)
			RETURNING `+submissionColumns,
			f.ModelName, f.ModelParams, f.ModelDomain, f.ModelMethod, f.ModelLink, f.Task, f.Metric,
			f.Value, nullableFloat(f.Std), f.Runs, f.PaperLink, f.Contact, editKeyHash, string(StatusPending), micros(now),
			nullableFloat(f.PretrainingFLOPs))
		var err error
		if out, err = scanSubmission(row); err != nil {
			return fmt.Errorf("store: insert: %w", err)
		}
		return addEvent(ctx, tx, out.ID, EventCreated, now, nil)
	})
	return out, err
}

func (s *sqlStore) Get(ctx context.Context, id int64) (Submission, error) {
	sub, err := scanSubmission(s.db.QueryRowContext(ctx, `SELECT `+submissionColumns+` FROM submissions WHERE id = $1`, id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("store: get: %w", err)
	}
	return sub, err
}

func (s *sqlStore) List(ctx context.Context) ([]Submission, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+submissionColumns+` FROM submissions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	defer rows.Close()
	out := []Submission{}
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list: %w", err)
		}
		out = append(out, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list: %w", err)
	}
	return out, nil
}

// change runs one state change on a live (not withdrawn) submission.
func (s *sqlStore) change(ctx context.Context, id int64, kind EventKind, apply func(tx *sql.Tx, old Submission, now time.Time) error) (Submission, error) {
	var out Submission
	now := time.Now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.Status == StatusWithdrawn {
			return ErrWithdrawn
		}
		if err := apply(tx, old, now); err != nil {
			return fmt.Errorf("store: %s: %w", kind, err)
		}
		var before *Fields
		if kind == EventEdited {
			before = &old.Fields
		}
		if err := addEvent(ctx, tx, id, kind, now, before); err != nil {
			return err
		}
		out, err = getTx(ctx, tx, id)
		return err
	})
	return out, err
}

func (s *sqlStore) setStatus(ctx context.Context, tx *sql.Tx, id int64, st Status, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE submissions SET status = $1, updated_at = $2 WHERE id = $3`, string(st), micros(now), id)
	return err
}

func (s *sqlStore) Edit(ctx context.Context, id int64, f Fields) (Submission, error) {
	return s.change(ctx, id, EventEdited, func(tx *sql.Tx, _ Submission, now time.Time) error {
		_, err := tx.ExecContext(ctx, `UPDATE submissions SET model_name = $1, model_params = $2, model_domain = $3,
			model_method = $4, model_link = $5, task = $6, metric = $7, value = $8, std = $9, runs = $10,
			paper_link = $11, contact = $12, status = $13, updated_at = $14, pretraining_flops = $16 WHERE id = $15`,
			f.ModelName, f.ModelParams, f.ModelDomain, f.ModelMethod, f.ModelLink, f.Task, f.Metric,
			f.Value, nullableFloat(f.Std), f.Runs, f.PaperLink, f.Contact, string(StatusPending), micros(now), id,
			nullableFloat(f.PretrainingFLOPs))
		return err
	})
}

func (s *sqlStore) Withdraw(ctx context.Context, id int64) (Submission, error) {
	return s.change(ctx, id, EventWithdrawn, func(tx *sql.Tx, _ Submission, now time.Time) error {
		return s.setStatus(ctx, tx, id, StatusWithdrawn, now)
	})
}

func (s *sqlStore) Approve(ctx context.Context, id int64) (Submission, error) {
	return s.change(ctx, id, EventApproved, func(tx *sql.Tx, _ Submission, now time.Time) error {
		return s.setStatus(ctx, tx, id, StatusApproved, now)
	})
}

func (s *sqlStore) Events(ctx context.Context, id int64) ([]Event, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, submission_id, kind, at, before_json FROM submission_events WHERE submission_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var before string
		if err := rows.Scan(&e.ID, &e.SubmissionID, &e.Kind, &at, &before); err != nil {
			return nil, fmt.Errorf("store: events: %w", err)
		}
		e.At = fromMicros(at)
		if e.Kind == EventEdited {
			e.Before = new(Fields)
			if err := json.Unmarshal([]byte(before), e.Before); err != nil {
				return nil, fmt.Errorf("store: event %d: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *sqlStore) Close() error { return s.db.Close() }
