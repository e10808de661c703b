package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	"github.com/clinlm/clinlm/server"
	"github.com/clinlm/clinlm/store"
)

// storeFlags say where submissions are kept and who moderates them.
type storeFlags struct {
	dataDir string
	dbURL   string
	// moderatorToken approves submissions; it is never logged or printed.
	moderatorToken string
}

// dataDirOff is the --data-dir value that turns submissions off.
const dataDirOff = "off"

// defaultDataDir is where the embedded SQLite store lives when --data-dir is
// not given: $XDG_DATA_HOME/clinlm, else ~/.local/share/clinlm, so one
// machine keeps its submissions with no set-up; "" when neither is known.
func defaultDataDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "clinlm")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".local", "share", "clinlm")
	}
	return ""
}

func addStoreFlags(fs *flag.FlagSet, f *storeFlags, getenv func(string) string) {
	fs.StringVar(&f.dataDir, "data-dir", defaultDataDir(getenv), "directory for the SQLite database of result submissions (created if missing); \"off\" turns submissions off")
	fs.StringVar(&f.dbURL, "db", "", "PostgreSQL URL (postgres://user:pass@host/db) to keep submissions in instead of SQLite; prefer the CLINLM_DB variable, since flags show in ps")
	fs.StringVar(&f.moderatorToken, "moderator-token", "", "token that approves submissions (Authorization: Bearer TOKEN); prefer the CLINLM_MODERATOR_TOKEN variable, since flags show in ps")
}

// openStore opens the configured store, or none when neither --data-dir nor
// --db is set. A store that was asked for and fails to open stops the
// server: running on would drop submissions.
func openStore(ctx context.Context, f storeFlags) (store.Store, server.Check, error) {
	check := server.Check{Name: "submissions", Optional: true}
	if (f.dataDir == "" || f.dataDir == dataDirOff) && f.dbURL == "" {
		check.Detail = "off: start with --data-dir DIR (SQLite) or --db postgres://… to take result submissions"
		return nil, check, nil
	}
	where := "SQLite in " + f.dataDir
	if f.dbURL != "" {
		where = "PostgreSQL"
		if u, err := url.Parse(f.dbURL); err == nil {
			where += " at " + u.Host // never the user or password
		}
	}
	octx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	st, err := store.Open(octx, f.dbURL, f.dataDir)
	if err != nil {
		return nil, check, fmt.Errorf("submissions store (%s): %w", where, err)
	}
	check.OK = true
	check.Detail = where
	if f.moderatorToken == "" {
		check.Detail += "; no moderator token, so nothing can be approved"
	}
	return st, check, nil
}
