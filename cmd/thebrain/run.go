package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/thebrain/thebrain/platform/config"
	"github.com/thebrain/thebrain/platform/log"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// the VCS revision Go embedded is used.
var version = ""

// modes are the commands that load the configuration and run part of the
// service; help and version need neither. Tests check deploy files
// against this list.
var modes = []string{"serve", "worker", "collab", "migrate", "lambda", "authorizer", "migrate-lambda", "purge", "jobs"}

// usageError marks a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg + " (run 'thebrain help' for usage)" }

// run is main without globals, so tests can call it: it picks the mode,
// loads the configuration and runs until ctx is cancelled or a signal
// arrives.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	mode, rest := "", []string(nil)
	switch {
	case len(args) > 1:
		mode, rest = args[1], args[2:]
	case getenv("AWS_LAMBDA_RUNTIME_API") != "":
		// Lambda's custom runtime starts the bootstrap with no arguments:
		// the function's handler setting names the mode.
		m, err := lambdaMode(getenv("_HANDLER"))
		if err != nil {
			return err
		}
		mode = m
	default:
		return usageError{"no mode given"}
	}

	switch mode {
	case "help", "-h", "-help", "--help":
		return usage(stdout)
	case "version", "--version":
		if err := noFlags("version", rest); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "thebrain", buildVersion())
		return nil
	case "healthcheck":
		return healthcheck(ctx, rest, stdout)
	}
	if !slices.Contains(modes, mode) {
		return usageError{fmt.Sprintf("unknown mode %q", mode)}
	}

	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n  %s", strings.ReplaceAll(err.Error(), "\n", "\n  "))
	}
	logger := log.New(stderr, cfg.LogFormat, cfg.LogLevel)
	cfg, creds, err := loadSecrets(ctx, cfg, logger)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	ctx = withDBCredentials(ctx, creds)

	if mode != "migrate" && mode != "jobs" { // the modes that take arguments
		if err := noFlags(mode, rest); err != nil {
			return err
		}
	}
	switch mode {
	case "serve":
		return serve(ctx, cfg, logger)
	case "collab":
		return serveCollab(ctx, cfg, logger)
	case "lambda":
		return serveLambda(ctx, cfg, logger)
	case "authorizer":
		return serveAuthorizer(ctx, cfg, logger)
	case "migrate-lambda":
		return serveMigrateLambda(ctx, cfg, logger)
	case "worker":
		return work(ctx, cfg, logger)
	case "purge":
		return purge(ctx, cfg, logger, stdout)
	case "jobs":
		return jobsCmd(ctx, cfg, logger, rest, stdout)
	default: // migrate
		return migrateCmd(ctx, cfg, logger, rest, stdout)
	}
}

// noFlags refuses arguments for modes that take none.
func noFlags(mode string, args []string) error {
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return usageError{fmt.Sprintf("%s: %v", mode, err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s takes no arguments, got %q", mode, strings.Join(fs.Args(), " "))}
	}
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" && dirty {
			rev += "-dirty"
		}
		if rev != "" {
			return "dev-" + rev
		}
	}
	return "dev"
}

func usage(w io.Writer) error {
	fmt.Fprint(w, `The Brain: the backend of an AI-assisted book-writing platform.

Usage:
  thebrain serve                  run the HTTP API server (THEBRAIN_HTTP_ADDR, default :8080)
  thebrain collab                 run the collaboration server alone: the /collab/{chapter_id} WebSocket
                                  endpoint, /healthz and /readyz on THEBRAIN_COLLAB_ADDR (default :8082;
                                  needs THEBRAIN_DATABASE_URL and THEBRAIN_REDIS_URL; serve answers /collab too)
  thebrain migrate up             apply every pending database migration
  thebrain migrate down N         roll back N migrations
  thebrain migrate version        print the applied migration version
  thebrain migrate force V        mark version V as applied without running it (after a manual fix)
  thebrain lambda                 serve API Gateway (REST) events on AWS Lambda
                                  (chosen automatically when AWS_LAMBDA_RUNTIME_API is set and the
                                  function's handler, _HANDLER, is bootstrap, lambda or empty)
  thebrain authorizer             answer API Gateway TOKEN authorizer events (public keys and the
                                  Redis denylist only; chosen automatically on Lambda when _HANDLER=authorizer)
  thebrain migrate-lambda         apply the migrations on every Lambda invocation (the deploy's
                                  migrations function; chosen automatically on Lambda when _HANDLER=migrate)
  thebrain worker                 run background jobs from THEBRAIN_JOBS_TRANSPORT, with /healthz and
                                  /readyz on THEBRAIN_WORKER_ADDR (needs THEBRAIN_DATABASE_URL and
                                  THEBRAIN_REDIS_URL; serve also runs jobs unless THEBRAIN_JOBS_IN_SERVE=false)
  thebrain jobs failed [-limit N] list the newest failed jobs
  thebrain jobs retry ID          give a failed job a fresh set of attempts
  thebrain purge                  delete for good what has been in a trash for more than 30 days
                                  (a daily job does it too; safe to run from several places at once)
  thebrain healthcheck URL        GET URL, exit 0 on a 2xx answer and 1 otherwise (3 s timeout): the
                                  container health check (the image has no shell or curl)
  thebrain version                print the version
  thebrain help                   print this help

With no THEBRAIN_DATABASE_URL, serve starts a private PostgreSQL cluster from the
PostgreSQL binaries on this machine (in THEBRAIN_DATA_DIR); with no
THEBRAIN_REDIS_URL it uses an in-process Redis-protocol server.

Configuration (environment variables):
`)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, s := range config.Settings() {
		def := s.Default
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Name, def, s.Help)
	}
	return tw.Flush()
}
