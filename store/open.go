package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go, no cgo)
)

//go:embed migrations
var migrations embed.FS

// SQLiteFile is the database file Open creates in the data directory.
const SQLiteFile = "clinlm.db"

// Open opens the store a server is configured with: PostgreSQL when dbURL
// is a postgres:// or postgresql:// URL, otherwise SQLite in dataDir
// (created when missing). Migrations run before it returns.
func Open(ctx context.Context, dbURL, dataDir string) (Store, error) {
	if dbURL != "" {
		if !IsPostgresURL(dbURL) {
			return nil, fmt.Errorf("store: --db wants a postgres:// or postgresql:// URL")
		}
		return OpenPostgres(ctx, dbURL)
	}
	if dataDir == "" {
		return nil, fmt.Errorf("store: no data directory and no --db URL")
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err)
	}
	return OpenSQLite(ctx, filepath.Join(dataDir, SQLiteFile))
}

// IsPostgresURL reports whether s names a PostgreSQL server.
func IsPostgresURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql")
}

// OpenSQLite opens (creating) the SQLite database file at path.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	// WAL lets readers run beside the writer; synchronous=FULL makes a
	// commit durable before it is acknowledged; _txlock=immediate takes the
	// write lock at BEGIN, so concurrent writers wait (busy_timeout) instead
	// of failing with SQLITE_BUSY when a read lock cannot be upgraded.
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	return start(ctx, db, goose.DialectSQLite3, "migrations/sqlite", "sqlite "+path)
}

// OpenPostgres connects to the PostgreSQL server at dbURL.
func OpenPostgres(ctx context.Context, dbURL string) (Store, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		// The URL may hold a password: never repeat it in the error.
		return nil, fmt.Errorf("store: the --db URL is not a valid PostgreSQL URL")
	}
	db := stdlib.OpenDB(*cfg)
	return start(ctx, db, goose.DialectPostgres, "migrations/postgres", "postgres "+cfg.Host)
}

// start checks the connection and runs the migrations.
func start(ctx context.Context, db *sql.DB, dialect goose.Dialect, dir, what string) (Store, error) {
	fail := func(err error) (Store, error) {
		_ = db.Close()
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	if err := db.PingContext(ctx); err != nil {
		return fail(err)
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return fail(err)
	}
	p, err := goose.NewProvider(dialect, db, sub)
	if err != nil {
		return fail(err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fail(fmt.Errorf("migrations: %w", err))
	}
	return &sqlStore{db: db}, nil
}
