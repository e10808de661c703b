package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clinlm/clinlm/store"
)

func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	for name, f := range map[string]storeFlags{"no data directory known": {}, "--data-dir off": {dataDir: dataDirOff}} {
		t.Run(name, func(t *testing.T) {
			st, check, err := openStore(ctx, f)
			if st != nil || err != nil || check.OK || !check.Optional || !strings.Contains(check.Detail, "--data-dir") {
				t.Fatalf("store %v, check %+v, err %v", st, check, err)
			}
		})
	}
	t.Run("SQLite in a new data directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		st, check, err := openStore(ctx, storeFlags{dataDir: dir, moderatorToken: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if !check.OK || !strings.Contains(check.Detail, "SQLite") {
			t.Fatalf("check %+v", check)
		}
		if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile)); err != nil {
			t.Fatalf("no database file: %v", err)
		}
	})
	t.Run("no moderator token is said", func(t *testing.T) {
		st, check, err := openStore(ctx, storeFlags{dataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if !strings.Contains(check.Detail, "no moderator token") {
			t.Fatalf("check %+v", check)
		}
	})
	// A store that was asked for and cannot open stops the server, and the
	// error never repeats the URL's password.
	for name, url := range map[string]string{
		"not postgres":       "mysql://root:hunter2@127.0.0.1/db",
		"nothing listens":    "postgres://clinlm:hunter2@127.0.0.1:1/db?connect_timeout=2",
		"malformed postgres": "postgres://clinlm:hunter2@[::1/db",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := openStore(ctx, storeFlags{dbURL: url})
			if err == nil {
				t.Fatal("opened")
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

// TestDefaultDataDir: with no --data-dir, submissions go to the XDG data
// directory, so one machine keeps them with no set-up.
func TestDefaultDataDir(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_DATA_HOME": "/d", "HOME": "/h"}, "/d/clinlm"},
		{map[string]string{"HOME": "/h"}, "/h/.local/share/clinlm"},
		{map[string]string{}, ""},
	}
	for _, c := range cases {
		getenv := func(k string) string { return c.env[k] }
		cfg, err := parseServeFlags(nil, stdio{err: &strings.Builder{}, getenv: getenv})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.store.dataDir != c.want {
			t.Errorf("env %v: data dir %q, want %q", c.env, cfg.store.dataDir, c.want)
		}
	}
}

func TestServeStoreFlags(t *testing.T) {
	env := map[string]string{"CLINLM_MODERATOR_TOKEN": "from-env", "CLINLM_DATA_DIR": "/tmp/x"}
	cfg, err := parseServeFlags([]string{"--db", "postgres://h/db"}, stdio{err: &strings.Builder{}, getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.store.moderatorToken != "from-env" || cfg.store.dataDir != "/tmp/x" || cfg.store.dbURL != "postgres://h/db" {
		t.Fatalf("store flags = %+v", cfg.store)
	}
}
