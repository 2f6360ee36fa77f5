// Package storecmd implements `hookctl store info|migrate|export|import|prune`:
// inspect the configured store (SQLite or PostgreSQL), apply its
// migrations, move subscriptions and history between stores as JSON
// lines, and drop old history. It only uses the store.Store interface
// (and the optional store.Migrator, store.BatchImporter, store.Pruner and
// store.Vacuumer), so it works on both backends.
package storecmd

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/hookctl/hookctl/internal/app"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/listen"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/store/dump"
	"github.com/hookctl/hookctl/internal/ui"
)

// Options are the parsed flags of the store commands.
type Options struct {
	IO    *ui.IOStreams
	Store func(context.Context) (store.Store, error)
	Ctx   context.Context

	Verb string // info | migrate | export | import | prune
	File string // import: a file, or - for stdin
	// BatchSize is how many records import writes per transaction.
	BatchSize int
	// Journal names where listen keeps its journals for a store, and the
	// store's key in them (nil: no journals are looked at).
	Journal func(store.Store) (dir, key string)
	// SQLitePath is the SQLite file the store is, "" for PostgreSQL (nil:
	// not checked).
	SQLitePath func() string
	// Readable, when set, opens the store instead of Store, for reading
	// only when this user may not write it (cli.Factory.Readable; nil:
	// such a store is refused): info and export, which only read. Such a
	// store gets no journal imported into it.
	Readable func(context.Context) (s store.Store, readOnly error, err error)

	// prune: history created before OlderThan goes; DryRun only counts;
	// Yes skips the question; Vacuum compacts a SQLite file after.
	OlderThan cli.Moment
	DryRun    bool
	Yes       bool
	Vacuum    bool
	Now       func() time.Time

	// readOnly: why the store was opened for reading only (Readable),
	// nil when it was not.
	readOnly error
	// foreign: the journals recovery left as another user's (not
	// imported), said once by warnJournalsLeft.
	foreign []string
	// imported: import's result so far (the batches in the store), and
	// whether its JSON document was printed.
	imported      importJSON
	importPrinted bool
}

// NewCmd returns `hookctl store`.
func NewCmd(f *cli.Factory) *cobra.Command { return newCmd(f, nil) }

func newCmd(f *cli.Factory, runF func(*Options) error) *cobra.Command {
	root := &cobra.Command{
		Use:   "store <command>",
		Short: "Inspect, migrate, export, import and prune the store",
		Long: `Inspect, migrate, export, import and prune the store: the SQLite file
(default) or a shared PostgreSQL database (--store postgres://…, or
HOOKCTL_STORE). Passwords in store URLs are masked in all output.`,
		Example: `  hookctl store info
  hookctl store info --store 'postgres://hookctl:secret@db.internal/hookctl'
  hookctl store export > dump.jsonl
  hookctl store import dump.jsonl --store "$TEAM_STORE"
  hookctl store prune --older-than 30d --yes`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			return c.Help() // as events and deliveries: a group alone shows its commands
		},
	}
	mk := func(verb string) *Options {
		open := f.Store
		var readable func(context.Context) (store.Store, error, error)
		if verb == "info" || verb == "export" || verb == "prune" {
			// They read or trim what is there: a --store typo is an
			// error, not a new empty store (migrate and import write).
			open = f.ExistingStore
		}
		if verb == "info" || verb == "export" {
			// They only read: a store this user may read but not write
			// is read.
			readable = f.Readable
		}
		return &Options{IO: f.IOStreams, Store: open, Readable: readable, Verb: verb, BatchSize: 1000, Now: f.Now,
			Journal: func(s store.Store) (string, string) {
				dsn := ""
				if f.Config != nil {
					dsn = f.Config.Store
				}
				return listen.JournalDir(s, config.DataDir(os.Getenv)), listen.StoreKey(s, dsn)
			},
			SQLitePath: func() string {
				if f.Config == nil {
					return ""
				}
				if kind, loc, err := app.ResolveStore(f.Config.Store); err == nil && kind == "sqlite" {
					return loc
				}
				return ""
			}}
	}
	runE := func(opts *Options) func(*cobra.Command, []string) error {
		return func(c *cobra.Command, args []string) error {
			opts.Ctx = c.Context()
			if opts.Ctx == nil {
				opts.Ctx = context.Background()
			}
			if len(args) == 1 {
				opts.File = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		}
	}

	info := mk("info")
	root.AddCommand(&cobra.Command{
		Use:   "info",
		Short: "Show the backend, location, schema version and row counts",
		Args:  cobra.NoArgs,
		Example: `  hookctl store info
  hookctl store info -o json
  HOOKCTL_STORE='postgres://hookctl:secret@localhost/hookctl?sslmode=disable' hookctl store info`,
		RunE: runE(info),
	})

	migrate := mk("migrate")
	root.AddCommand(&cobra.Command{
		Use:   "migrate",
		Short: "Apply pending schema migrations (also done automatically on open)",
		Long: `Apply the store's pending schema migrations and print the schema version.
Every command already migrates the store when it opens it (safely, even
when several hookctl processes start at once); run this to upgrade a shared
store explicitly, e.g. from a deploy job.`,
		Args: cobra.NoArgs,
		Example: `  hookctl store migrate
  hookctl store migrate --store "$TEAM_STORE" -o json`,
		RunE: runE(migrate),
	})

	export := mk("export")
	root.AddCommand(&cobra.Command{
		Use:   "export",
		Short: "Write every record of the store as JSON lines (a dump)",
		Long: `Write the whole store to stdout as JSON lines: a header line
({"hookctl_dump":{"version":2,…}}), then one record per line:
subscriptions, then objects (what serve's Svix API keeps: applications,
deleted ones too, and event types), events, deliveries and attempts. Fields
have the names -o json gives them (webhook_id, event_id, …); empty ones
are left out; bodies are kept byte for byte (payload as JSON, payload_text
as a string, or payload_base64). Secrets are included (the dump is meant
for 'hookctl store import'): keep it private. On a terminal it refuses
(exit 2): redirect it to a file or a pipe.

The dump is one consistent snapshot, read in one transaction for as long
as the export runs. On SQLite, what other processes write meanwhile piles
up in the store's -wal file until the export ends (about 12 MiB per 1,000
events triggered meanwhile; it shrinks back once the export is over and
another hookctl opens or writes the store). Into a slow
reader, export to a file first and read that.`,
		Args: cobra.NoArgs,
		Example: `  hookctl store export > dump.jsonl
  hookctl store export | gzip > dump.jsonl.gz`,
		RunE: runE(export),
	})

	imp := mk("import")
	importCmd := &cobra.Command{
		Use:   "import {<file>|-}",
		Short: "Import records written by 'store export' (skipping those present)",
		Long: `Import JSON lines written by 'hookctl store export' into the configured
store: this version's format, and the one without a header line older
versions wrote. Records whose IDs already exist are skipped, so importing
the same dump twice changes nothing; a delivery already present is brought
up to date from a newer copy (the same history exported again after a
replay there), and its new attempts are added. Use - to read standard
input. A dump compressed with gzip is read as it is. An input with
nothing in it, not even the header line every export writes (an export
that failed), is an error (exit 2). The header and the first batch are
checked before the store is opened: a file that is not such a dump is
refused (exit 2) without creating a store. A bad record further on stops
the import there: the records before it are in the store (each batch is
one transaction), nothing after it is written, and the error says which
(exit 2); fix or remove that record and import the file again: the
records already there are skipped.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cli.Usagef("store import needs one file (or - for stdin)").Hint("hookctl store import dump.jsonl")
			}
			return nil
		},
		Example: `  hookctl store import dump.jsonl
  hookctl store import dump.jsonl.gz
  hookctl store export --store ~/.local/share/hookctl/hookctl.db | hookctl store import - --store "$TEAM_STORE"`,
		RunE: runE(imp),
	}
	importCmd.Flags().IntVar(&imp.BatchSize, "batch-size", 1000, "`count` of records written per transaction")
	root.AddCommand(importCmd)

	prune := mk("prune")
	pruneCmd := &cobra.Command{
		Use:   "prune --older-than <time> [--dry-run] [--yes] [--vacuum]",
		Short: "Delete events older than a time with their deliveries and attempts",
		Long: `Delete the history created before --older-than: events with their
deliveries and attempts, and the places deleted Svix endpoints left in
their endpoint lists before then (for an iterator naming one). An event
with a delivery still pending, or being replayed, stays (it is still
being delivered), and subscriptions always stay. It deletes in
batches of 5,000 events, each in its own transaction, so trigger, listen
and workers sharing the store wait at most one batch.

It asks first on a terminal; elsewhere it needs --yes. --dry-run only
counts. A SQLite file keeps its size (the space is reused); --vacuum then
compacts it (it needs as much free disk as the file, and locks the store
while it runs). PostgreSQL reclaims the space with its autovacuum.`,
		Args: cobra.NoArgs,
		Example: `  hookctl store prune --older-than 30d --dry-run
  hookctl store prune --older-than 7d --yes
  hookctl store prune --older-than 2026-11-01 --yes --vacuum -o json`,
		RunE: func(c *cobra.Command, args []string) error {
			if prune.OlderThan.IsZero() {
				return cli.Usagef("store prune needs --older-than").
					Hint("a duration ago (7d, 12h) or an RFC 3339 date: hookctl store prune --older-than 30d --dry-run")
			}
			if !prune.Yes && !prune.DryRun && !prune.IO.CanPrompt() {
				return cli.Usagef("refusing to delete without confirmation: %s", prune.IO.WhyNoPrompt()).
					Hint("add --yes to delete without asking, or --dry-run to count what would go")
			}
			return runE(prune)(c, args)
		},
	}
	cli.MomentVar(pruneCmd.Flags(), &prune.OlderThan, "older-than", "delete what was created before this `time`: a duration ago (30d, 12h) or an RFC 3339 date or time")
	pruneCmd.Flags().BoolVar(&prune.DryRun, "dry-run", false, "count what would be deleted, delete nothing")
	pruneCmd.Flags().BoolVarP(&prune.Yes, "yes", "y", false, "delete without asking")
	pruneCmd.Flags().BoolVar(&prune.Vacuum, "vacuum", false, "compact the SQLite file afterwards")
	root.AddCommand(pruneCmd)
	return root
}

func run(opts *Options) (err error) {
	if opts.Verb == "import" && opts.IO.JSON() {
		// -o json: a script gets its document whatever stopped the
		// import, with the error and what is in the store; the error
		// and its hint still go to stderr, with the same exit code.
		defer func() {
			if err != nil && !opts.importPrinted {
				res := opts.imported
				res.FirstUnwritten = max(res.FirstUnwritten, 1)
				res.Error = err.Error()
				_ = ui.WriteJSON(opts.IO.Out, res)
			}
		}()
	}
	if opts.Verb == "import" && opts.BatchSize < 1 {
		return cli.Usagef("invalid --batch-size %d: want 1 or more", opts.BatchSize).
			Hint("e.g. --batch-size 1000 (the default)")
	}
	// Open the file before the store, so a typo is a usage error.
	var src *source
	if opts.Verb == "import" {
		var in io.Reader
		if opts.File == "-" {
			if opts.IO.IsStdinTTY() {
				fmt.Fprintln(opts.IO.ErrOut, "hookctl: reading the dump from stdin (end with Ctrl-D)")
			}
			in = interruptible(opts.Ctx, opts.IO.In)
		} else {
			f, err := openInterruptible(opts.Ctx, opts.File)
			if err != nil {
				if ctxErr := opts.Ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
					return err // Ctrl-C while the pipe had no writer: "interrupted", as for stdin
				}
				return cli.Usagef("cannot read %s: %v", opts.File, unwrapPath(err)).
					Hint("give the file hookctl store export wrote, or - to read standard input")
			}
			defer f.Close()
			fi, err := f.Stat()
			if err == nil && fi.IsDir() {
				return cli.Usagef("cannot read %s: it is a directory", opts.File).
					Hint("give the file \"hookctl store export\" wrote, or - for stdin")
			}
			in = f
			if err == nil && !fi.Mode().IsRegular() {
				// A pipe given as a path (`store import <(ssh … store
				// export)`, /dev/fd/N, a FIFO made with mkfifo), a
				// terminal, /dev/stdin: its reads wait for the writer as
				// stdin's do, and Ctrl-C must end them as it ends
				// stdin's. A regular file is read directly (a read of
				// it does not wait on anyone).
				in = interruptible(opts.Ctx, f)
			}
		}
		name := opts.File
		if name == "-" {
			name = "stdin"
		}
		br := bufio.NewReaderSize(in, 64<<10)
		// A dump compressed with gzip (store export's --help shows
		// `hookctl store export | gzip > dump.jsonl.gz`) is read through
		// it: it was "invalid character '\x1f'". A gzip stream cut short
		// ends as a cut file does (io.ErrUnexpectedEOF).
		if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			gz, err := gzip.NewReader(br)
			if err != nil {
				return cli.Usagef("%s: cannot read it as gzip: %v", name, err).
					Hint("give the file \"hookctl store export\" wrote, compressed with gzip or not")
			}
			defer gz.Close()
			br = bufio.NewReaderSize(gz, 64<<10)
		}
		// Nothing at all (not even the header line every export writes,
		// for an empty store too): an export that failed, or was never
		// run. `hookctl store export --store typo | hookctl store import -`
		// printed "imported 0 …" and exited 0. Said before the store is
		// opened (or created).
		if isBlank(br) {
			return cli.Usagef("%s is empty: no header line, no records; nothing imported", name).
				Hint("\"hookctl store export\" writes a header line even for an empty store: did the export fail (its error comes first) or was the copy cut? export again and import its output")
		}
		// A byte order mark says how the file is encoded: Windows
		// PowerShell 5.1's '>' writes the export as UTF-16 with one, some
		// editors put a UTF-8 one first. Either is read as the UTF-8 JSON
		// the export wrote; without one, the bytes go through as they are.
		src = newSource(name, bufio.NewReaderSize(transform.NewReader(br, unicode.BOMOverride(transform.Nop)), 64<<10))
		// The header and the first batch are read and checked before the
		// store is opened: a file that is no dump (a provider's event
		// saved as stripe.json, an edited dump) creates no store.
		if err := src.readAhead(opts.BatchSize); err != nil {
			return err
		}
	}
	// A dump on a terminal: every subscription's secret on the screen
	// (and in its scrollback), then megabytes of JSON lines nobody reads
	// there — a redirect forgotten. Refused, as tar refuses to write an
	// archive to a terminal; a pipe or file is what it is for.
	if opts.Verb == "export" && opts.IO.IsStdoutTTY() {
		return cli.Usagef("refusing to write the store's dump to a terminal: it holds every subscription's signing secret").
			Hint("redirect it to a file: hookctl store export > dump.jsonl (or | gzip > dump.jsonl.gz); to look at the store, hookctl store info, subscriptions list, deliveries list")
	}
	// Exporting a SQLite file that is not there would create an empty
	// store and export nothing, exit 0: a typo in --store would pass for
	// an empty history.
	if opts.Verb == "export" && opts.SQLitePath != nil {
		if p := opts.SQLitePath(); p != "" {
			if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
				return cli.Envf("no store at %s: nothing to export", p).
					Hint("point --store (or HOOKCTL_STORE) at the store to export")
			}
		}
	}
	var s store.Store
	if opts.Readable != nil {
		s, opts.readOnly, err = opts.Readable(opts.Ctx)
	} else {
		s, err = opts.Store(opts.Ctx)
	}
	if err != nil {
		return err
	}
	if opts.readOnly == nil {
		if err := recoverJournals(opts, s); err != nil {
			return err
		}
	}
	warnJournalsLeft(opts, s)
	switch opts.Verb {
	case "info":
		return runInfo(opts, s)
	case "migrate":
		return runMigrate(opts, s)
	case "export":
		return runExport(opts, s)
	case "import":
		return runImport(opts, s, src)
	case "prune":
		return runPrune(opts, s)
	}
	return fmt.Errorf("unknown store command %q", opts.Verb)
}

// recoverJournals imports what a listen that did not finish (killed, the
// machine crashed, the store was down) left in its journal, with a notice.
func recoverJournals(opts *Options, s store.Store) error {
	if opts.Journal == nil {
		return nil
	}
	dir, key := opts.Journal(s)
	rc, err := listen.Recover(opts.Ctx, s, dir, key)
	// Another user's journals are said by warnJournalsLeft, with what
	// that means for this command and a hint, as for a read-only store.
	for _, f := range rc.Foreign {
		opts.foreign = append(opts.foreign, f.Path)
	}
	rc.Foreign = nil
	rc.Report(opts.IO.ErrOut)
	if err != nil {
		return cli.WithCode(cli.ExitEnvironment, err).Hint("the journal stays where it is and is imported once the store takes it")
	}
	return nil
}

// warnJournalsLeft says when journals a listen left may hold received
// events the store does not have, which this command did not import: the
// store is read-only for this user (they are imported only by a command
// that may write it; store info's counts and an export leave them out
// until then), or the journal directory, or a journal in it, cannot be
// read by this user (another user's, or root's).
func warnJournalsLeft(opts *Options, s store.Store) {
	if opts.Journal == nil {
		return
	}
	dir, key := opts.Journal(s)
	dirDenied := listen.DirDenied(dir)
	foreign := opts.foreign
	var ji listen.JournalInfo
	if opts.readOnly != nil {
		ji = listen.Journals(dir, key)
		foreign = ji.DeniedJournals
	} else if !dirDenied && len(foreign) == 0 {
		// Recover imported what it found (or said why not).
		return
	}
	also := "store info's counts leave them out"
	switch opts.Verb {
	case "export":
		also = "this export does not include them"
	case "prune", "import", "migrate":
		also = "this command did not see them"
	}
	if opts.readOnly != nil && ji.OrphanedBytes > 0 {
		why, hint := "this user may not write the store", importHint(s)
		if errors.Is(opts.readOnly, store.ErrDamaged) {
			why = "the store is damaged"
			hint = "move the damaged file away and import its export at its path (hookctl store import dump.jsonl): that store imports them"
		}
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %s in %s left by a hookctl listen that did not finish %s %d bytes of received events not in the store yet: "+
			"%s, so they were not imported (%s)\n",
			plural(int64(ji.Orphaned), "listen journal"), dir, map[bool]string{true: "hold", false: "holds"}[ji.Orphaned != 1], ji.OrphanedBytes, why, also)
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: %s\n", hint)
	}
	switch {
	case dirDenied:
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: the listen journal directory %s cannot be read by this user: "+
			"received events a listen that did not finish left there, if any, are not in the store (%s)\n", dir, also)
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: %s\n", deniedHint(dir, s))
	case len(foreign) > 0:
		// One statement for the journals of other users, whether the
		// store is writable (recovery skipped them) or not: it was
		// recovery's "belongs to another user: not imported" beside
		// store info's "unknown" pending bytes, with no hint, or, on a
		// read-only store, "the directory, or a journal in it" with
		// "ls -l DIR".
		what := "the listen journal " + foreign[0] + " belongs"
		if len(foreign) > 1 {
			what = fmt.Sprintf("%d listen journals in %s belong", len(foreign), dir)
		}
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %s to another user (%s): not imported: received events a listen that did not finish left there, if any, are not in the store (%s)\n",
			what, owners(foreign), also)
		fmt.Fprintf(opts.IO.ErrOut, "hookctl: hint: %s\n", foreignHint(foreign, s, opts.readOnly != nil))
	}
}

// owners names the owners of the files at paths, once each.
func owners(paths []string) string {
	var names []string
	seen := map[string]bool{}
	for _, p := range paths {
		name := "unknown"
		if fi, err := os.Lstat(p); err == nil {
			if uid, ok := store.FileOwner(fi); ok {
				name = userName(uid)
			}
		}
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// foreignHint says how the journals at paths, of other users, get
// imported into the store s: given to the store's owner (this user for
// a store with no file), whose store info imports them.
func foreignHint(paths []string, s store.Store, readOnly bool) string {
	me := os.Geteuid()
	owner, ownerName := me, userName(me)
	storePath := ""
	if p, ok := s.(interface{ Path() string }); ok && p.Path() != "" {
		storePath = p.Path()
		if fi, err := os.Stat(storePath); err == nil {
			if uid, ok := store.FileOwner(fi); ok {
				owner, ownerName = uid, userName(uid)
			}
		}
	}
	it := "it"
	if len(paths) > 1 {
		it = "them"
	}
	them := it
	run := "run \"hookctl store info\""
	switch {
	case owner != me:
		run += " as " + ownerName
	case readOnly && storePath != "":
		run = fmt.Sprintf("once you may write %s again (chmod u+w), %s", storePath, run)
	}
	allOwner, allRoot := true, true
	for _, p := range paths {
		uid, ok := -1, false
		if fi, err := os.Lstat(p); err == nil {
			uid, ok = store.FileOwner(fi)
		}
		allOwner = allOwner && ok && uid == owner
		allRoot = allRoot && ok && uid == 0
	}
	if allOwner {
		// (this user is not the store's owner: a reader)
		are := map[bool]string{true: "it is", false: "they are"}[len(paths) == 1]
		return fmt.Sprintf("%s the store's owner's: %s: it imports %s", are, run, them)
	}
	why := ""
	if allRoot {
		why = "an older hookctl run as root (sudo hookctl listen) left " + it + ": "
	}
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = config.ShellArg(p)
	}
	return fmt.Sprintf("%sgive %s to the store's owner (sudo chown %s %s), then %s: it imports %s",
		why, it, ownerName, strings.Join(quoted, " "), strings.TrimPrefix(run, "then "), them)
}

// deniedHint says who may import the journals in dir, which this user
// cannot read, of the store s.
func deniedHint(dir string, s store.Store) string {
	fi, err := os.Stat(dir)
	if err != nil {
		return "run \"hookctl store info\" as the user whose listen wrote them: it imports them"
	}
	uid, ok := store.FileOwner(fi)
	switch {
	case !ok:
		return "run \"hookctl store info\" as the user whose listen wrote them: it imports them"
	case uid == 0:
		owner := "OWNER"
		if p, ok := s.(interface{ Path() string }); ok {
			if sfi, err := os.Stat(p.Path()); err == nil {
				if o, ok := store.FileOwner(sfi); ok {
					owner = userName(o)
				}
			}
		}
		return fmt.Sprintf("an older hookctl run as root (sudo hookctl listen) made it root's: give it to the store's owner (sudo chown -R %s %s), then run \"hookctl store info\" as them: it imports them", owner, dir)
	case uid == os.Geteuid():
		return fmt.Sprintf("a journal in it is another user's: run \"hookctl store info\" as its owner (ls -l %s): it imports them", dir)
	}
	return fmt.Sprintf("run \"hookctl store info\" as its owner (%s): it imports them", userName(uid))
}

// userName is the name of the user uid, else "uid N".
func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(uid)
}

// importHint says who may import the journals of a store this user may
// not write: its owner, or this user once the file is writable.
func importHint(s store.Store) string {
	const run = "\"hookctl store info\""
	if p, ok := s.(interface{ Path() string }); ok {
		if fi, err := os.Stat(p.Path()); err == nil {
			if uid, ok := store.FileOwner(fi); ok && uid == os.Geteuid() {
				return fmt.Sprintf("once you may write %s again (chmod u+w, or its file system mounted read-write), run %s: it imports them", p.Path(), run)
			} else if ok {
				return fmt.Sprintf("run %s as the store's owner (%s): it imports them", run, userName(uid))
			}
		}
	}
	return "run " + run + " as a user who may write the store: it imports them"
}

// interruptible is r, whose reads end with ctx's error once ctx is done
// (Ctrl-C, SIGTERM): a read of stdin waits for as long as the writer
// sends nothing (a terminal, a stalled `ssh … store export |`), and store
// import went on waiting after the signal, until the input came or
// ended. r is read on a goroutine of its own, left blocked in its read
// when ctx ends (the process is about to exit).
func interruptible(ctx context.Context, r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	context.AfterFunc(ctx, func() { pw.CloseWithError(ctx.Err()) })
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err) // nil: the reader sees io.EOF
	}()
	return pr
}

// openInterruptible opens path for reading. Opening a named pipe (made
// with mkfifo) waits until a writer opens it; Ctrl-C (ctx) ends that
// wait with ctx's error, said "interrupted" as on stdin. Before, the
// signal, not yet watched then, ended the process with no word. The open
// is left blocked on a goroutine of its own (the process is about to
// exit); a file it opens after all is closed. /dev/fd/N of `<(cmd)` is
// a pipe too, whose writer is there: it opens at once.
func openInterruptible(ctx context.Context, path string) (*os.File, error) {
	if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		return os.Open(path)
	}
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// isBlank reports whether br holds nothing but white space, which it
// consumes (JSON ignores it). A read error is left for the import to
// meet and report.
func isBlank(br *bufio.Reader) bool {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return errors.Is(err, io.EOF)
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		br.UnreadByte()
		return false
	}
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

type infoJSON struct {
	Backend             string `json:"backend"`
	Location            string `json:"location"`
	SchemaVersion       int    `json:"schema_version"`
	LatestSchemaVersion int    `json:"latest_schema_version,omitempty"`
	Subscriptions       int64  `json:"subscriptions"`
	Events              int64  `json:"events"`
	Deliveries          int64  `json:"deliveries"`
	Attempts            int64  `json:"attempts"`
	// Objects: what serve's provider APIs keep besides subscriptions and
	// events (Svix applications, deleted ones too, and event types).
	Objects int64 `json:"objects"`
	// Listen journals: records received and acknowledged by a running
	// listen that are not in the store yet (bytes).
	JournalDir          string `json:"journal_dir,omitempty"`
	PendingJournalBytes int64  `json:"pending_journal_bytes"`
	Journals            int    `json:"journals"`
	// DamagedJournals: journals recovery imported around unreadable
	// records and kept aside for inspection.
	DamagedJournals []string `json:"damaged_journals,omitempty"`
	// UnreadableJournals: journals of this store (or of no store that can
	// be told) in a format this hookctl does not read (a newer
	// hookctl's): their events are not in the store, nor in the pending
	// bytes; UnreadableJournalBytes is their size.
	UnreadableJournals     []string `json:"unreadable_journals,omitempty"`
	UnreadableJournalBytes int64    `json:"unreadable_journal_bytes,omitempty"`
	// JournalsDenied: the journal directory, or a journal in it, cannot
	// be read by this user: the journal counts leave out what it holds.
	JournalsDenied bool `json:"journals_permission_denied,omitempty"`
	// DeniedJournals: the journals in it this user may not open (another
	// user's), when the directory can be read.
	DeniedJournals []string `json:"permission_denied_journals,omitempty"`
	// ReadOnly: this user may not write the store, so it was read as it
	// is: no journal was imported (the pending bytes are events it does
	// not have).
	ReadOnly bool `json:"read_only,omitempty"`
	// LeaseLocks: the SQLite store's lease lock files (STORE-leases/),
	// when there are any.
	LeaseLocks *leaseLocksJSON `json:"lease_locks,omitempty"`
}

// leaseLocksJSON counts a SQLite store's lease lock files: of running
// processes (their lock held), and of killed ones (free: the next worker
// takes over what they leased and removes them).
type leaseLocksJSON struct {
	Dir     string `json:"dir"`
	Running int    `json:"running"`
	Dead    int    `json:"dead"`
}

func runInfo(opts *Options, s store.Store) error {
	info, err := s.Info(opts.Ctx)
	if err != nil {
		return err
	}
	out := infoJSON{
		Backend: info.Backend, Location: store.MaskURL(info.Location), SchemaVersion: info.SchemaVersion,
		Subscriptions: info.Subscriptions, Events: info.Events, Deliveries: info.Deliveries, Attempts: info.Attempts,
		Objects: info.Objects, ReadOnly: opts.readOnly != nil,
	}
	if m, ok := s.(store.Migrator); ok {
		if _, latest, err := m.SchemaVersion(opts.Ctx); err == nil {
			out.LatestSchemaVersion = latest
		}
	}
	if opts.Journal != nil {
		dir, key := opts.Journal(s)
		ji := listen.Journals(dir, key)
		out.JournalDir, out.PendingJournalBytes, out.Journals = dir, ji.PendingBytes, ji.Files
		out.DamagedJournals = ji.Damaged
		out.UnreadableJournals, out.UnreadableJournalBytes = ji.Unreadable, ji.UnreadableBytes
		out.JournalsDenied = ji.Denied
		out.DeniedJournals = ji.DeniedJournals
	}
	if ll, ok := s.(interface {
		LeaseLocks() (string, int, int, error)
	}); ok {
		if dir, running, dead, err := ll.LeaseLocks(); err == nil && running+dead > 0 {
			out.LeaseLocks = &leaseLocksJSON{Dir: dir, Running: running, Dead: dead}
		}
	}
	if opts.IO.JSON() {
		return ui.WriteJSON(opts.IO.Out, out)
	}
	version := strconv.Itoa(out.SchemaVersion)
	if out.LatestSchemaVersion != 0 {
		version = fmt.Sprintf("%d (latest %d)", out.SchemaVersion, out.LatestSchemaVersion)
	}
	t := ui.NewTable(opts.IO, "FIELD", "VALUE").Record()
	t.AddRow("backend", out.Backend)
	t.AddRow("location", out.Location)
	if out.ReadOnly {
		why := "this user may not write the store"
		if errors.Is(opts.readOnly, store.ErrDamaged) {
			why = "the store is damaged"
		}
		t.AddRow("access", "read only: "+why+" (listen journals are not imported)")
	}
	t.AddRow("schema version", version)
	t.AddRow("subscriptions", strconv.FormatInt(out.Subscriptions, 10))
	t.AddRow("events", strconv.FormatInt(out.Events, 10))
	t.AddRow("deliveries", strconv.FormatInt(out.Deliveries, 10))
	t.AddRow("attempts", strconv.FormatInt(out.Attempts, 10))
	t.AddRow("objects", strconv.FormatInt(out.Objects, 10))
	if opts.Journal != nil {
		pending := fmt.Sprintf("%d (%s in %s)", out.PendingJournalBytes, plural(int64(out.Journals), "listen journal"), out.JournalDir)
		switch {
		case len(out.DeniedJournals) > 0:
			pending = fmt.Sprintf("unknown: %s in %s %s another user's (see the warning); %d bytes in the %d it can read",
				plural(int64(len(out.DeniedJournals)), "listen journal"), out.JournalDir,
				map[bool]string{true: "is", false: "are"}[len(out.DeniedJournals) == 1], out.PendingJournalBytes, out.Journals)
		case out.JournalsDenied:
			pending = fmt.Sprintf("unknown: %s cannot be read by this user (see the warning)", out.JournalDir)
		}
		t.AddRow("pending journal bytes", pending)
		if n := len(out.UnreadableJournals); n > 0 {
			t.AddRow("unreadable journals", fmt.Sprintf("%d (%d bytes, in a format this hookctl does not read: not imported, not in the pending bytes)",
				n, out.UnreadableJournalBytes))
		}
		for _, d := range out.DamagedJournals {
			t.AddRow("damaged journal", d+" (imported around its unreadable records; kept for inspection, safe to delete)")
		}
	}
	if ll := out.LeaseLocks; ll != nil {
		v := fmt.Sprintf("%d running", ll.Running)
		if ll.Dead == 1 {
			v += ", 1 left by a killed process (the next worker takes over what it leased and removes it)"
		} else if ll.Dead > 1 {
			v += fmt.Sprintf(", %d left by killed processes (the next worker takes over what they leased and removes them)", ll.Dead)
		}
		t.AddRow("lease locks", v)
	}
	return t.Render()
}

type migrateJSON struct {
	Backend  string `json:"backend"`
	Location string `json:"location"`
	// From is the version the store had when this command opened it
	// (opening applies the migrations); 0 when the command created it.
	From    int  `json:"from_version"`
	To      int  `json:"to_version"`
	Created bool `json:"created"`
}

func runMigrate(opts *Options, s store.Store) error {
	var res migrateJSON
	var err error
	l, lok := s.(store.Locator)
	m, mok := s.(store.Migrator)
	if lok && mok {
		// Both backends: what it prints needs no count of the records
		// (Info's), which on a large store can outlast a
		// statement_timeout: the command failed after the migration had
		// succeeded.
		res.Backend, res.Location = l.Backend(), store.MaskURL(l.Location())
	} else {
		info, err := s.Info(opts.Ctx)
		if err != nil {
			return err
		}
		res = migrateJSON{Backend: info.Backend, Location: store.MaskURL(info.Location), From: info.SchemaVersion, To: info.SchemaVersion}
	}
	if mok {
		if res.From, res.To, err = m.Migrate(opts.Ctx); err != nil {
			return err
		}
	}
	res.Created = res.From == 0
	if opts.IO.JSON() {
		return ui.WriteJSON(opts.IO.Out, res)
	}
	switch {
	case res.Created:
		_, err = fmt.Fprintf(opts.IO.Out, "%s store %s created (schema version %d)\n", res.Backend, res.Location, res.To)
	case res.From == res.To:
		_, err = fmt.Fprintf(opts.IO.Out, "%s store %s is up to date (schema version %d)\n", res.Backend, res.Location, res.To)
	default:
		_, err = fmt.Fprintf(opts.IO.Out, "%s store %s migrated from schema version %d to %d\n", res.Backend, res.Location, res.From, res.To)
	}
	return err
}

// counts are records per kind.
type counts struct {
	Subscriptions int64 `json:"subscriptions"`
	Objects       int64 `json:"objects"`
	Events        int64 `json:"events"`
	Deliveries    int64 `json:"deliveries"`
	Attempts      int64 `json:"attempts"`
}

func (c *counts) add(r store.Record) {
	switch {
	case r.Subscription != nil:
		c.Subscriptions++
	case r.Object != nil:
		c.Objects++
	case r.Event != nil:
		c.Events++
	case r.Delivery != nil:
		c.Deliveries++
	case r.Attempt != nil:
		c.Attempts++
	}
}

func (c counts) total() int64 {
	return c.Subscriptions + c.Objects + c.Events + c.Deliveries + c.Attempts
}

func (c counts) String() string {
	return plural(c.Subscriptions, "subscription") + ", " + plural(c.Objects, "object") + ", " + plural(c.Events, "event") + ", " +
		plural(c.Deliveries, "delivery") + ", " + plural(c.Attempts, "attempt")
}

// incompleteMark ends the output of an export that failed midway: the
// start of a line that is never finished (no closing brace, no newline),
// which an import reads as a file cut short, and which says why to
// someone who looks at the file's end.
const incompleteMark = `{"hookctl_dump_incomplete":"the export failed here; see its error"`

func runExport(opts *Options, s store.Store) error {
	w := bufio.NewWriterSize(opts.IO.Out, 64<<10)
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	var n counts
	dw, err := dump.NewWriter(w, dump.Header{ExportedAt: now(), Store: dump.Backend(s)})
	if err == nil {
		err = s.Export(opts.Ctx, func(r store.Record) error {
			n.add(r)
			return dw.Write(r)
		})
	}
	var skipped *store.ExportSkippedError
	if err != nil && !errors.As(err, &skipped) {
		// Stopped midway (Ctrl-C, a statement_timeout, the store's
		// error): the output ends in the middle of a line, so that it
		// does not pass for a whole dump. It ended with the whole lines
		// written so far, which store import (`store export | store
		// import -` too) took for a dump and imported, exit 0, the rest
		// of the history missing; a cut line it refuses (exit 2, "cut
		// short") after importing what came before. (A damaged store's
		// export is whole for what could be read, and says what was not.)
		_, _ = w.WriteString(incompleteMark)
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if errors.As(err, &skipped) {
		// A damaged store: what could be read was written; say what was
		// not, and exit 3.
		for _, s := range skipped.Skipped {
			fmt.Fprintf(opts.IO.ErrOut, "hookctl: warning: %s\n", s)
		}
		fmt.Fprintf(opts.IO.ErrOut, "exported %s\n", n)
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "exported %s\n", n)
	return nil
}

type importJSON struct {
	Read    counts `json:"read"`
	Written counts `json:"written"`
	// RefreshedDeliveries were already stored and brought up to date
	// from a newer copy in the file; not counted in Skipped.
	RefreshedDeliveries int64 `json:"refreshed_deliveries"`
	Skipped             int64 `json:"skipped"`
	// An import that stopped (-o json prints this document then too):
	// FirstUnwritten is the first record not written (the records before
	// it are in the store: Read counts them, Written and Skipped split
	// them; the file's bad record is it or one after it in its batch,
	// named by Error, the error's line; a file cut short: the record cut).
	FirstUnwritten int64  `json:"first_unwritten_record,omitempty"`
	Error          string `json:"error,omitempty"`
}

func runImport(opts *Options, s store.Store, src *source) error {
	// What was written comes from the batches themselves (StatsImporter):
	// counting every table before and after could outlast a PostgreSQL
	// statement_timeout on a large store, refusing an import that would
	// work, or failing after every record was written. Only a store that
	// cannot say is counted.
	si, stats := s.(store.StatsImporter)
	var before store.Info
	if !stats {
		var err error
		if before, err = s.Info(opts.Ctx); err != nil {
			return err
		}
	}
	name := src.name
	var read, written counts
	var refreshed int64
	batch := make([]store.Record, 0, opts.BatchSize)
	first := int64(1) // the record number of batch[0]
	var stored counts // the records of the batches written
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := func() error {
			if stats {
				st, err := si.ImportBatchStats(opts.Ctx, batch)
				if err == nil {
					refreshed += st.Refreshed
					written.Subscriptions += st.Written.Subscriptions
					written.Objects += st.Written.Objects
					written.Events += st.Written.Events
					written.Deliveries += st.Written.Deliveries
					written.Attempts += st.Written.Attempts
				}
				return err
			}
			if bi, ok := s.(store.BatchImporter); ok {
				return bi.ImportBatch(opts.Ctx, batch)
			}
			for i, r := range batch {
				if err := s.Import(opts.Ctx, r); err != nil {
					var ke *store.ImportKeyError
					if errors.As(err, &ke) {
						ke.Record = i
					}
					var re *store.ImportRefError
					if errors.As(err, &re) {
						re.Record = i
					}
					return err
				}
			}
			return nil
		}()
		if err == nil {
			first += int64(len(batch))
			for _, r := range batch {
				stored.add(r)
			}
			batch = batch[:0]
		}
		var ke *store.ImportKeyError
		var re *store.ImportRefError
		switch {
		case errors.As(err, &ke):
			return &recordError{n: first + int64(ke.Record), err: fmt.Errorf("record %d: %w", first+int64(ke.Record), err)}
		case errors.As(err, &re):
			return &recordError{n: first + int64(re.Record), err: fmt.Errorf("record %d: %w", first+int64(re.Record), err)}
		}
		return err
	}
	// stopped: what a failure after the first batch says, with the
	// records before it that are in the store.
	stopped := func(err error) error {
		if !stats {
			if after, ierr := s.Info(opts.Ctx); ierr == nil {
				written = infoDiff(before, after)
			}
		}
		opts.imported = importJSON{Read: stored, Written: written, RefreshedDeliveries: refreshed,
			Skipped: max(0, stored.total()-written.total()-refreshed), FirstUnwritten: first}
		if ctxErr := opts.Ctx.Err(); ctxErr != nil && (errors.Is(err, context.Canceled) || errors.Is(err, ctxErr)) {
			if first == 1 {
				return err // nothing written: "interrupted" says it all
			}
			// Ctrl-C (or SIGTERM) after some batches: it said only
			// "interrupted", not that those batches are in the store
			// and that importing the file again adds the rest.
			err = errImportInterrupted
		}
		return importStopped(name, first, first+int64(len(batch))-1, stats, written, refreshed, err)
	}
	cut := int64(0) // the record the file ends in the middle of
	for {
		r, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, errCut) {
			// The file ends in the middle of a record: an export cut
			// short (a full disk, an interrupted copy). What came before
			// it is whole: written as usual, then the error.
			cut = src.n
			break
		}
		if err != nil {
			// A record no store takes, after the first batch (that one
			// was checked before the store was opened): the records
			// before it are written, as before a cut, and the error says
			// so. It said only what was wrong with the record, as if
			// nothing had been imported.
			if ferr := flush(); ferr != nil {
				return stopped(ferr)
			}
			return stopped(err)
		}
		read.add(r)
		batch = append(batch, r)
		if len(batch) >= opts.BatchSize {
			if err := flush(); err != nil {
				return stopped(err)
			}
		}
	}
	if err := flush(); err != nil {
		return stopped(err)
	}
	backend, location := "", ""
	if l, ok := s.(store.Locator); ok {
		backend, location = l.Backend(), l.Location()
	}
	if !stats {
		after, err := s.Info(opts.Ctx)
		if err != nil {
			return err
		}
		written = infoDiff(before, after)
		backend, location = after.Backend, after.Location
	}
	res := importJSON{Read: read, Written: written}
	res.RefreshedDeliveries = refreshed
	res.Skipped = max(0, read.total()-res.Written.total()-refreshed)
	var cutErr error
	if cut > 0 {
		cutErr = cli.Usagef("%s: record %d: the last line is cut short: the file was truncated", name, cut).
			Hint("the %s before it were imported as usual; export again (or copy the whole file) and import it: what is present is skipped", plural(cut-1, "record"))
		res.FirstUnwritten, res.Error = cut, cutErr.Error()
	}
	var err error
	if opts.IO.JSON() {
		opts.importPrinted = true
		err = ui.WriteJSON(opts.IO.Out, res)
	} else {
		also := ""
		if refreshed > 0 {
			also = fmt.Sprintf("; %s brought up to date from a newer copy", plural(refreshed, "delivery"))
		}
		_, err = fmt.Fprintf(opts.IO.Out, "imported %s into %s store %s (%s already present, skipped%s)\n",
			res.Written, backend, store.MaskURL(location), plural(res.Skipped, "record"), also)
	}
	if err == nil && cutErr != nil {
		return cutErr
	}
	return err
}

// infoDiff is what was written between two Infos of a store.
func infoDiff(before, after store.Info) counts {
	return counts{
		Subscriptions: after.Subscriptions - before.Subscriptions,
		Objects:       after.Objects - before.Objects,
		Events:        after.Events - before.Events,
		Deliveries:    after.Deliveries - before.Deliveries,
		Attempts:      after.Attempts - before.Attempts,
	}
}

func kinds(r store.Record) int {
	n := 0
	for _, set := range []bool{r.Subscription != nil, r.Object != nil, r.Event != nil, r.Delivery != nil, r.Attempt != nil} {
		if set {
			n++
		}
	}
	return n
}

// recordError is a store's error about record n of the input.
type recordError struct {
	n   int64
	err error
}

func (e *recordError) Error() string { return e.err.Error() }
func (e *recordError) Unwrap() error { return e.err }

// importStopped is store import's error when err stopped it after the
// store was opened: records 1 to next-1 are in the store (written, or
// already there), nothing from record next on was written (the failing
// batch rolled back). One line says what stopped it and what is in the
// store; one hint what to fix (err's own hint) and that importing the
// file again skips what is there. It was err alone for a bad record
// ("record 7: event ID is empty", as if nothing was imported), or
// "stopped after N records" counting the batch that was not written.
func importStopped(name string, next, last int64, stats bool, written counts, refreshed int64, err error) error {
	if err == errImportInterrupted {
		return importInterrupted(name, next, stats, written, refreshed)
	}
	code := cli.ExitFailed
	var ce cli.CodeError
	if errors.As(err, &ce) {
		code = ce.ExitCode()
	}
	var hints []string
	var ee *cli.ExitError
	var he cli.HintError
	bad := int64(0) // the record that stopped it, when known
	if errors.As(err, &ee) && ee.Err != nil {
		code = ee.Code
		if strings.HasPrefix(ee.Err.Error(), name+": ") {
			bad = next // source's: a record no store takes
		}
		if errors.As(ee.Err, &he) {
			hints = append(hints, he.Hints()...)
		}
		hints = append(hints, ee.Hints...)
		err = ee.Err
	} else if errors.As(err, &he) {
		hints = he.Hints()
	}
	msg := err.Error()
	var re *recordError
	if bad == 0 {
		// A store's error: name the file and, when it says none, the
		// records of the batch it refused.
		at := ""
		if errors.As(err, &re) {
			bad = re.n
		} else if last > next {
			at = fmt.Sprintf(" in the batch of records %d-%d", next, last)
		} else {
			at = fmt.Sprintf(" at record %d", next)
		}
		msg = fmt.Sprintf("import %s stopped%s: %s", name, at, msg)
	}
	before := next - 1
	recs := fmt.Sprintf("records 1-%d", before)
	if before == 1 {
		recs = "record 1"
	}
	in := importIn(next, stats, written, refreshed)
	again := recs + " " + map[bool]string{true: "is", false: "are"}[before == 1] + " skipped as already present"
	if before == 0 {
		in, again = "nothing was written", ""
	}
	switch {
	case bad > 0 && again == "":
		again = fmt.Sprintf("fix or remove record %d, then import the file again", bad)
	case bad > 0:
		again = fmt.Sprintf("fix or remove record %d, then import the file again: %s", bad, again)
	case again == "":
		again = "then import the file again"
	default:
		again = "then import the file again: " + again
	}
	hint := again
	if len(hints) > 0 {
		h := strings.Join(hints, "; ")
		if strings.HasSuffix(h, "?") || strings.HasSuffix(h, ".") {
			hint = h + " " + strings.ToUpper(again[:1]) + again[1:]
		} else {
			hint = h + "; " + again
		}
	}
	return &cli.ExitError{Code: code, Err: &stopError{msg: msg + "; " + in, err: err}, Hints: []string{hint}}
}

// errImportInterrupted stands for a signal that stopped store import
// after it wrote some batches (importInterrupted says it).
var errImportInterrupted = errors.New("interrupted")

// importIn says which records are in the store when an import stopped
// before record next: "records 1-6 are in the store (… written; 0 already
// present), nothing from record 7 on was written" (without the counts
// when the store does not give them).
func importIn(next int64, stats bool, written counts, refreshed int64) string {
	before := next - 1
	recs := fmt.Sprintf("records 1-%d", before)
	if before == 1 {
		recs = "record 1"
	}
	in := fmt.Sprintf("%s %s in the store", recs, map[bool]string{true: "is", false: "are"}[before == 1])
	if stats {
		skipped := max(0, before-written.total()-refreshed)
		in += fmt.Sprintf(" (%s written; %d already present)", written, skipped)
	}
	return in + fmt.Sprintf(", nothing from record %d on was written", next)
}

// importInterrupted is store import's error when a signal stopped it
// after the records before next were written (next > 1): exit 130 (the
// signal's code), saying what is in the store and that importing the
// file again adds the rest. Not a context error, so that the root says
// it instead of a bare "interrupted".
func importInterrupted(name string, next int64, stats bool, written counts, refreshed int64) error {
	recs := fmt.Sprintf("records 1-%d are", next-1)
	if next == 2 {
		recs = "record 1 is"
	}
	msg := fmt.Sprintf("import %s interrupted: %s", name, importIn(next, stats, written, refreshed))
	return &cli.ExitError{Code: cli.ExitInterrupted, Err: errors.New(msg),
		Hints: []string{fmt.Sprintf("import the file again to add the rest: %s skipped as already present", recs)}}
}

// stopError is importStopped's message. It does not unwrap to the error
// it names, whose hints it already says, but is still that error for
// errors.Is (an interrupted import is said as one).
type stopError struct {
	msg string
	err error
}

func (e *stopError) Error() string        { return e.msg }
func (e *stopError) Is(target error) bool { return errors.Is(e.err, target) }
