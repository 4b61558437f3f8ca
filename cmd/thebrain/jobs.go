package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"

	"github.com/thebrain/thebrain/modules/jobs"
	"github.com/thebrain/thebrain/platform/config"
)

// jobsCmd runs `thebrain jobs failed [-limit N]` and `thebrain jobs retry
// ID`: what an operator needs when jobs fail. It opens the database alone.
func jobsCmd(ctx context.Context, cfg config.Config, logger *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError{"jobs needs failed or retry"}
	}
	fs := flag.NewFlagSet("jobs "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	limit := fs.Int("limit", 50, "how many jobs to list")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{fmt.Sprintf("jobs %s: %v", args[0], err)}
	}
	var id uuid.UUID
	switch {
	case args[0] == "failed" && fs.NArg() == 0 && *limit >= 1 && *limit <= 1000:
	case args[0] == "retry" && fs.NArg() == 1:
		var err error
		if id, err = uuid.Parse(fs.Arg(0)); err != nil {
			return usageError{fmt.Sprintf("jobs retry: %q is not a job id", fs.Arg(0))}
		}
	default:
		return usageError{fmt.Sprintf("jobs %q: use 'jobs failed [-limit N]' (N from 1 to 1000) or 'jobs retry ID'", args)}
	}
	b, err := openDatabase(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer b.Close()
	transport, err := newJobsTransport(cfg, logger, b)
	if err != nil {
		return err
	}
	mod := jobs.New(jobs.Deps{Log: logger, DB: b.pool, Transport: transport})
	if args[0] == "retry" {
		if err := mod.Retry(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "job %s queued again\n", id)
		return nil
	}
	list, err := mod.ListByStatus(ctx, jobs.StatusFailed, *limit)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tATTEMPTS\tFINISHED\tERROR")
	for _, j := range list {
		finished := ""
		if j.FinishedAt != nil {
			finished = j.FinishedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", j.ID, j.Kind, j.Attempts, finished, oneLine(j.Error, 100))
	}
	return tw.Flush()
}

func oneLine(s string, n int) string {
	r := []rune(s)
	for i, c := range r {
		if c == '\n' || c == '\t' {
			r[i] = ' '
		}
	}
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return string(r)
}
