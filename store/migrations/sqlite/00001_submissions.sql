-- +goose Up
CREATE TABLE submissions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    model_name    TEXT    NOT NULL,
    model_params  TEXT    NOT NULL,
    model_domain  TEXT    NOT NULL,
    model_method  TEXT    NOT NULL,
    model_link    TEXT    NOT NULL,
    task          TEXT    NOT NULL,
    metric        TEXT    NOT NULL,
    value         REAL    NOT NULL,
    std           REAL,
    runs          INTEGER NOT NULL,
    paper_link    TEXT    NOT NULL,
    contact       TEXT    NOT NULL,
    -- SHA-256 (hex) of the key the submitter got to edit or withdraw it.
    edit_key_hash TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'withdrawn')),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Every change to a submission, in order: created, edited, approved, withdrawn.
-- before_json holds the fields as they were before an edit.
CREATE TABLE submission_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    kind          TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    before_json   TEXT    NOT NULL
);
CREATE INDEX submission_events_by_submission ON submission_events (submission_id, id);

-- +goose Down
DROP TABLE submission_events;
DROP TABLE submissions;
