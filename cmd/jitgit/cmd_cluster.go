package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/api"
)

func clusterCommand() *cli.Command {
	return &cli.Command{
		Name:        "cluster",
		Usage:       "the nodes that serve together from one store",
		Description: "Example:\n   jitgit cluster status",
		Subcommands: []*cli.Command{{
			Name: "status",
			Usage: "the nodes up now, the node running each once-only job, the health of the store's etcd members, " +
				"its watch lag, and the audit checkpoint keys this node trusts",
			Description: "Example:\n   jitgit cluster status --json",
			Flags:       []cli.Flag{jsonFlag},
			Action:      clusterStatus,
		}},
	}
}

func clusterStatus(c *cli.Context) error {
	if err := args(c, 0, 0); err != nil {
		return err
	}
	st, err := ask(c, api.GetClusterStatus, nil, api.None{})
	if err != nil {
		return err
	}
	return emit(c, st, func(st api.ClusterStatus) error {
		w := c.App.Writer
		fmt.Fprintf(w, "store: %s; answered by node %s\n\n", st.Backend, st.Node)
		rows := [][]string{{"NODE", "ADDRESS", "VERSION", "STARTED", "LAST SEEN", "AUDIT KEY"}}
		for _, n := range st.Nodes {
			key := short(n.AuditKeyID)
			if !n.Trusted {
				key += " (not trusted here: add it to [cluster] audit_keys)"
			}
			rows = append(rows, []string{n.Name, n.Address, n.Version, n.Started.Format(time.RFC3339), n.LastSeen.Format(time.RFC3339), key})
		}
		if err := table(w, rows); err != nil {
			return err
		}
		rows = [][]string{{"JOB", "LEADER"}}
		for _, j := range st.Jobs {
			l := j.Leader
			if l == "" {
				l = "(none now)"
			}
			rows = append(rows, []string{j.Job, l})
		}
		fmt.Fprintln(w)
		if err := table(w, rows); err != nil {
			return err
		}
		if len(st.Store) > 0 {
			rows = [][]string{{"ETCD MEMBER", "HEALTHY", "LEADER", "VERSION", "RAFT INDEX", "RAFT TERM", "DB SIZE", "ERROR"}}
			for _, m := range st.Store {
				rows = append(rows, []string{m.Endpoint, yesNo(m.Healthy), yesNo(m.Leader), m.Version, strconv.FormatUint(m.RaftIndex, 10),
					strconv.FormatUint(m.RaftTerm, 10), strconv.FormatInt(m.DBSize, 10), m.Error})
			}
			fmt.Fprintln(w)
			if err := table(w, rows); err != nil {
				return err
			}
		}
		if st.Watch != nil {
			fmt.Fprintf(w, "\nwatch: revision %d applied, %d behind, last event %.1fs ago\n", st.Watch.Revision, st.Watch.Behind, st.Watch.AgeSeconds)
		}
		rows = [][]string{{"TRUSTED AUDIT KEY", "FROM"}}
		for _, k := range st.Keys {
			rows = append(rows, []string{k.ID, k.Source})
		}
		fmt.Fprintln(w)
		return table(w, rows)
	})
}

func short(id string) string { return id[:min(16, len(id))] }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
