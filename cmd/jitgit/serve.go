package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/jitgit/jitgit/audit"
	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/cluster"
	"github.com/jitgit/jitgit/forwarded"
	"github.com/jitgit/jitgit/gitexec"
	"github.com/jitgit/jitgit/mirror"
	"github.com/jitgit/jitgit/notify"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/server"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage"
	"github.com/jitgit/jitgit/web"
)

// socketName is the admin API socket inside the data directory.
const socketName = "jitgit.sock"

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the server: Git over HTTP and SSH, the web pages, the API and the admin socket",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "config", Usage: "TOML config `FILE` (every key in config.example.toml)", EnvVars: []string{"JITGIT_CONFIG"}},
			&cli.StringFlag{Name: "http", Usage: "HTTP listen `ADDR` (Git, web, API)", EnvVars: []string{"JITGIT_HTTP"}},
			&cli.StringFlag{Name: "ssh", Usage: "SSH listen `ADDR` (\"off\" disables SSH)", EnvVars: []string{"JITGIT_SSH"}},
			&cli.StringFlag{Name: "public-url", Usage: "base `URL` users reach the HTTP side at (default http://ADDR)", EnvVars: []string{"JITGIT_PUBLIC_URL"}},
			&cli.BoolFlag{Name: "print-host-key", Usage: "print the SSH host key fingerprint and exit"},
		},
		Action: serve,
	}
}

func serve(c *cli.Context) error {
	cfg, err := loadConfig(c.String("config"))
	if err != nil {
		return err
	}
	cfg.File = c.String("config")
	if c.IsSet("data") || cfg.Data == "" {
		cfg.Data = c.String("data")
	}
	for _, f := range []struct {
		flag string
		dst  *string
	}{{"http", &cfg.HTTP}, {"ssh", &cfg.SSH}, {"public-url", &cfg.PublicURL}} {
		if c.IsSet(f.flag) {
			*f.dst = c.String(f.flag)
		}
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + cfg.HTTP
		if cfg.TLSCert != "" {
			cfg.PublicURL = "https://" + cfg.HTTP
		}
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	// git runs hooks inside the repository, so every path handed to it
	// must be absolute.
	if cfg.Data, err = filepath.Abs(cfg.Data); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	if c.Bool("print-host-key") {
		return printHostKey(c.App.Writer, cfg)
	}
	log, err := newLogger(c.App.ErrWriter, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	applyMemoryLimit(cfg.MemoryLimitMiB, log)
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, cfg, log, c.App.ErrWriter)
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// run starts every part of the server and runs them until ctx ends or one
// fails; then it stops them in order: the transports stop accepting, the
// Git operations running get cfg.ShutdownGrace to finish and are killed
// after it; then the push re-check, the webhooks and the periodic jobs stop;
// then the audit log and the database close. It returns nil after a
// shutdown that ctx asked for, else what failed.
func run(ctx context.Context, cfg Config, log *slog.Logger, out io.Writer) error {
	now, err := serverClock(ctx, cfg.Data, log)
	if err != nil {
		return err
	}
	db, etcd, closeStore, err := openStore(ctx, cfg, log, now)
	if err != nil {
		return err
	}
	// Deferred first, so it runs last: once every part has returned.
	defer closeStore()
	metrics := web.NewMetrics(time.Now())
	metrics.SetClock(now)
	trail := audit.NewLog(metrics.Appender(db.Events()), now)
	trail.SetDeadline(cfg.AuditDeadline)
	signer, err := auditSigner(cfg)
	if err != nil {
		return err
	}
	if err := trail.SetCheckpoints(ctx, db.Checkpoints(), signer, cfg.AuditCheckpointEvery); err != nil {
		return fmt.Errorf("audit checkpoints: %w", err)
	}
	cfg.Auth.AuditKey, cfg.Auth.AuditCheckpointEvery = signer.Public(), cfg.AuditCheckpointEvery
	defer trail.Close()
	// The store's etcd client is nil on Badger, where this node is the
	// only one and coordination is what one process does by itself.
	lag, _ := db.(cluster.WatchLagger)
	coord := newCoordination(etcd, cfg.Store.Prefix, cfg, signer, lag, now, log)
	cfg.Auth.AuditKeys, cfg.Auth.Limiters = cfg.Cluster.AuditKeys, coord.limiters
	hooksDir := filepath.Join(cfg.Data, "hooks")
	pushesDir := filepath.Join(cfg.Data, "pushes")
	gitCfg := gitexec.Config{HooksDir: hooksDir, OwnHooksRoot: pushesDir}
	if coord.shared {
		gitCfg.Settings = gitexec.SharedStorageSettings
	}
	git, err := gitexec.New(gitCfg)
	if err != nil {
		return err
	}
	repos := &server.Repos{Root: reposDir(cfg), Launcher: git}
	if err := os.MkdirAll(repos.Root, 0o700); err != nil {
		return fmt.Errorf("repository root: %w", err)
	}
	keyFile := cfg.Mirrors.CredentialKey
	if keyFile == "" {
		keyFile = filepath.Join(cfg.Data, "credential.key")
	}
	if cfg.Auth.Credentials, err = secret.LoadOrCreateKey(keyFile); err != nil {
		return fmt.Errorf("mirrors.credential_key: %w", err)
	}
	mirrorTmp := filepath.Join(cfg.Data, "tmp")
	if err := os.MkdirAll(mirrorTmp, 0o700); err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	// A fetch cut short by a crash leaves its private key file behind.
	if left, err := filepath.Glob(filepath.Join(mirrorTmp, "jitgit-mirror-*")); err == nil {
		for _, d := range left {
			os.RemoveAll(d)
		}
	}
	if err := recoverRepos(ctx, db, repos, log); err != nil {
		return err
	}
	svc := service.New(bulkStore(db, cfg.Data), repos, trail, cfg.Auth, now)
	reload := newReloader(cfg.File, svc, log)
	if err := verifyAtStart(ctx, svc, trail, log); err != nil {
		return err
	}
	// Changes whose events a stopped server left staged reach the trail
	// before anything else is recorded.
	if n, err := trail.Recover(ctx); err != nil {
		return fmt.Errorf("audit: append the staged events: %w", err)
	} else if n > 0 {
		log.Info("audit: appended the staged events of changes made before the last stop", "events", n)
	}
	if aborted, err := svc.RecoverBatches(ctx); err != nil {
		return fmt.Errorf("batches left by the last run: %w", err)
	} else if len(aborted) > 0 {
		log.Warn("removed bulk batches the last run did not commit; run their files again", "batches", aborted)
	}
	svc.ObserveDecisions(metrics.ObserveDecision)
	if err := svc.SyncProtections(ctx, cfg.Protections); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := svc.SyncPolicies(ctx, "config", cfg.Policies); err != nil {
		return fmt.Errorf("policies: %w", err)
	}
	// The outbox reads the trail after each receiver's cursor; a receiver
	// new to this data directory starts at the end, before anything new
	// is recorded.
	webhooks := notify.NewOutbox(db, notify.OutboxOptions{Receivers: cfg.Webhooks, PublicURL: cfg.PublicURL, Log: log, Now: now,
		Client: notify.NewClient(notify.ClientOptions{RefusePrivate: cfg.WebhookRefusePrivate})})
	if err := webhooks.Start(ctx); err != nil {
		return err
	}
	trail.Watch(webhooks.Wake)
	if err := bootstrapAdmin(ctx, svc, cfg.AdminUser, out); err != nil {
		return err
	}

	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary for the pre-receive hook: %w", err)
	}
	if err := server.InstallHooks(hooksDir, []string{exe}); err != nil {
		return err
	}
	pushes := server.NewPushes(filepath.Join(cfg.Data, "hook.sock"))
	if err := pushes.HooksIn(pushesDir, hooksDir); err != nil {
		return err
	}
	if coord.locks != nil {
		pushes.LockWith(coord.locks)
	}
	hooks, err := server.ListenHooks(server.HookServerConfig{Socket: filepath.Join(cfg.Data, "hook.sock"), PublicURL: cfg.PublicURL, Repos: repos,
		ExpiringSoon: svc.ExpiringSoon(), Now: now}, svc, pushes, log)
	if err != nil {
		return err
	}
	// Until the parts run, closing what is open is this function's job.
	serving := false
	defer func() {
		if !serving {
			hooks.Close()
		}
	}()
	runCfg := server.RunnerConfig{Launcher: git, Pushes: pushes, Observe: func(r server.RunStats) {
		metrics.ObserveGit(r.Transport, string(r.Service), r.In, r.Out, r.Exit, r.Duration)
	}}
	if cfg.PurgeAfterRewrite {
		runCfg.AfterRewrite = purgeAfterRewrite(svc, repos, log)
	}
	runner, err := server.NewRunner(runCfg, log)
	if err != nil {
		return err
	}

	mcfg := mirror.MirrorsConfig{Launcher: git, AllowLocal: cfg.Mirrors.AllowLocal, Now: now,
		MaxParallel: cfg.Mirrors.MaxParallel, Timeout: cfg.Mirrors.FetchTimeout, Tick: mirrorTick, TempDir: mirrorTmp, CAFile: cfg.Mirrors.CAFile}
	if cfg.PurgeAfterRewrite {
		mcfg.AfterRewrite = purgeAfterRewrite(svc, repos, log)
	}
	mirrors, err := mirror.NewMirrors(mcfg, svc, repos, log)
	if err != nil {
		return err
	}
	var purger service.RepoPurger = repos
	if coord.locks != nil {
		mirrors.LockWith(coord.locks)
		purger = lockedPurger{purger: repos, locks: coord.locks}
	}
	if cfg.Mirrors.AllowLocal {
		log.Warn("mirrors.allow_local is on: mirrors may copy repositories from this server's disk; do not use in production")
	}

	sshURL := cfg.SSHPublicURL
	if sshURL == "" && cfg.SSH != "off" {
		sshURL = "ssh://git@" + cfg.SSH
	}
	trail.Watch(metrics.Record)
	signIn, workloads, err := newSSO(cfg, svc, now)
	if err != nil {
		return err
	}
	metrics.SetSources(web.MetricsSources{Service: svc, GitRunning: runner.Running, AuditLate: trail.Late,
		Webhooks: func(ctx context.Context) ([]web.WebhookStats, error) {
			st, err := webhooks.Stats(ctx)
			out := make([]web.WebhookStats, len(st))
			for i, s := range st {
				out[i] = web.WebhookStats{Receiver: s.Name, Behind: s.Behind, Oldest: s.Oldest, Failures: s.Failures}
			}
			return out, err
		}})
	ready := &readiness{serving: ctx, svc: svc, trail: trail, repoRoot: repos.Root, deadline: cfg.AuditDeadline}
	pages := web.New(web.Options{Ready: ready.check, Service: svc, PublicURL: cfg.PublicURL, SSHURL: sshURL, Logger: log, Metrics: metrics,
		SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"), Mirrors: mirrors, Now: now, Webhooks: webhooks, SSO: signIn, Workloads: workloads, RepoRoot: repos.Root, Purger: purger, Reload: reload.Reload, SocketAdmin: cfg.AdminUser,
		Limiters: coord.limiters, ClusterStatus: coord.status})
	gitHTTP := server.NewHTTP(server.HTTPConfig{PublicURL: cfg.PublicURL, Fallback: pages, Pending: svc,
		MaxUploadPackBody: cfg.MaxFetchBody, MaxReceivePackBody: cfg.MaxPushBody,
		// Thirty failures in five minutes: generous for CI runners sharing
		// an address, hopeless for guessing a password.
		Throttle:     coord.limiters("git-http-auth", 30, 5*time.Minute),
		ExpiringSoon: svc.ExpiringSoon(), Now: now}, svc, repos, runner, log)
	reload.attach(cfg, webhooks, trail, gitHTTP)

	// Every listener is open before anything serves, so a taken port
	// stops the start with nothing served.
	var listeners []net.Listener
	defer func() {
		if !serving {
			for _, ln := range listeners {
				ln.Close()
			}
		}
	}()
	fileLimit, err := raiseFileLimit()
	if err != nil {
		log.Warn("open-file limit", "err", err)
	}
	maxConns, err := httpConnLimit(cfg.MaxHTTPConns, fileLimit)
	if err != nil {
		return err
	}
	httpLn, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return fmt.Errorf("HTTP listen on %s: %w (set --http or JITGIT_HTTP to another address)", cfg.HTTP, err)
	}
	listeners = append(listeners, httpLn)
	httpLn = limitHTTP(httpLn, maxConns)
	if cfg.TLSCert != "" {
		var cert tls.Certificate
		if cert, err = tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey); err != nil {
			return fmt.Errorf("TLS: %w (check tls_cert and tls_key in the config)", err)
		}
		httpLn = tls.NewListener(httpLn, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	sockLn, err := listenSocket(filepath.Join(cfg.Data, socketName))
	if err != nil {
		return err
	}
	listeners = append(listeners, sockLn)
	sshSrv, err := newSSHPart(cfg, svc, repos, runner, now, log, out)
	if err != nil {
		return err
	}
	public := &http.Server{
		Handler:           forwarded.TrustProxies(metrics.CountResponses(gitHTTP), cfg.TrustedProxies),
		ReadHeaderTimeout: 10 * time.Second,
		// A push of a large pack may legitimately take long; a client that
		// sends nothing for this long is gone.
		ReadTimeout:    30 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	admin := &http.Server{Handler: pages.AdminSocket(), ReadHeaderTimeout: 10 * time.Second}
	var metricsLn net.Listener
	if cfg.MetricsListen != "" {
		if metricsLn, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			return fmt.Errorf("metrics listen on %s: %w (set metrics in the config to another address)", cfg.MetricsListen, err)
		}
		listeners = append(listeners, metricsLn)
	}

	// Stopped first: what takes requests from outside.
	front := []part{
		{"HTTP server", (&httpPart{name: "HTTP server", srv: public, ln: httpLn, grace: cfg.ShutdownGrace, log: log}).Run},
		{"admin socket", (&httpPart{name: "admin socket", srv: admin, ln: sockLn, grace: cfg.ShutdownGrace, log: log}).Run},
	}
	if sshSrv != nil {
		front = append(front, part{"SSH server", sshSrv.Run})
	}
	if metricsLn != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler())
		msrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		front = append(front, part{"metrics server", (&httpPart{name: "metrics server", srv: msrv, ln: metricsLn, grace: time.Second, log: log}).Run})
	}
	// Stopped once the Git operations have ended: what they and the
	// requests use, and the jobs that write to the store on their own.
	back := []part{
		{"hook server", hooks.Serve},
		// On a cluster the scheduler and the sweeper run on the node that
		// leads each; the refusal counts are of this node's own refusals.
		{"mirror scheduler", coord.lead(jobMirrors, mirrors.Run)},
		{"request sweeper", coord.lead(jobSweeper, func(ctx context.Context) { sweepRequests(ctx, svc, log) })},
		{"refusal counts", func(ctx context.Context) error { svc.RunRefusals(ctx); return nil }},
		{"node registry", coord.keep},
		{"config reload", func(ctx context.Context) error { reload.onHangup(ctx); return nil }},
	}
	// Stopped last: the notifications of what the parts above did while
	// they stopped (a lapsed request, a mirror fetch cut short).
	// The outbox runs with no receivers too: a reload may add one.
	last := []part{{"webhooks", coord.lead(jobWebhooks, webhooks.Run)}}
	fmt.Fprintf(out, "jitgit: serving Git and web on %s (%s)\n", httpLn.Addr(), cfg.PublicURL)
	fmt.Fprintf(out, "jitgit: admin socket %s; data in %s\n", filepath.Join(cfg.Data, socketName), cfg.Data)
	serving = true
	return runStages(ctx, log, front, back, last)
}

// listenSocket opens the admin socket, replacing a stale one, with mode
// 0600: whoever can open it acts as administrator.
func listenSocket(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&fs.ModeSocket == 0 {
			return nil, fmt.Errorf("admin socket %s exists and is not a socket; move it away", path)
		}
		if conn, err := net.DialTimeout("unix", path, time.Second); err == nil {
			conn.Close()
			return nil, fmt.Errorf("admin socket %s is in use: another jitgit serve runs on this data directory", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("admin socket: remove stale %s: %w", path, err)
		}
	}
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return ln, nil
}

// bootstrapAdmin creates the administrator name on first start and prints
// its password once.
func bootstrapAdmin(ctx context.Context, svc *service.Service, name string, out io.Writer) error {
	system := auth.System("cli")
	if _, err := svc.User(ctx, system, name); err == nil {
		return nil
	} else if !errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("look up admin user: %w", err)
	}
	password := secret.NewSecret(18)
	if _, err := svc.CreateUser(ctx, system, service.NewUser{Name: name, Password: password, Admin: true, Approver: true}); err != nil {
		return fmt.Errorf("create admin user: %w", err)
	}
	fmt.Fprintf(out, "jitgit: created user %q; its password is shown this once: %s\n", name, password)
	return nil
}

// sweepRequests marks lapsed pending requests expired and records the
// grants and tokens that ran out, every sweepInterval.
func sweepRequests(ctx context.Context, svc *service.Service, log *slog.Logger) {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		if _, err := svc.ExpireRequests(ctx); err != nil && ctx.Err() == nil {
			log.Warn("expire requests", "err", err)
		}
		if _, err := svc.ExpireGrants(ctx); err != nil && ctx.Err() == nil {
			log.Warn("record grant expiries", "err", err)
		}
		if _, err := svc.ExpireTokens(ctx); err != nil && ctx.Err() == nil {
			log.Warn("record token expiries", "err", err)
		}
		if _, err := svc.RecoverAudit(ctx); err != nil && ctx.Err() == nil {
			log.Warn("audit: append staged events", "err", err)
		}
		if _, err := svc.WarnExpiring(ctx); err != nil && ctx.Err() == nil {
			log.Warn("grants ending soon", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// recoverRepos finishes the repository creations a stopped server left
// half done: a staged repository with a record is put in place, one
// without is removed.
func recoverRepos(ctx context.Context, db storage.Store, repos *server.Repos, log *slog.Logger) error {
	published, removed, err := repos.RecoverStaged(func(name string) (bool, error) {
		err := db.View(ctx, func(tx storage.Tx) error { _, err := tx.Repos().Get(name); return err })
		if errors.Is(err, auth.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return err
	}
	if len(published) > 0 || len(removed) > 0 {
		log.Info("finished repository creations interrupted by the last stop", "published", published, "removed", removed)
	}
	return nil
}
