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
	"github.com/jitgit/jitgit/forwarded"
	"github.com/jitgit/jitgit/mirror"
	"github.com/jitgit/jitgit/notify"
	"github.com/jitgit/jitgit/ratelimit"
	"github.com/jitgit/jitgit/secret"
	"github.com/jitgit/jitgit/server"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/storage/badgerstore"
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
	log, err := newLogger(c.App.ErrWriter, cfg.LogLevel)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, cfg, log, c.App.ErrWriter)
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: use debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// run starts every part of the server and stops them when ctx ends.
func run(ctx context.Context, cfg Config, log *slog.Logger, out io.Writer) error {
	db, err := badgerstore.Open(filepath.Join(cfg.Data, "db"), badgerstore.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("open database in %s: %w (is another jitgit serve running on this data directory?)", cfg.Data, err)
	}
	defer db.Close()
	audit := audit.NewLog(db.Events(), time.Now)
	defer audit.Close()
	repos := &server.Repos{Root: filepath.Join(cfg.Data, "repos")}
	if err := os.MkdirAll(repos.Root, 0o700); err != nil {
		return fmt.Errorf("repository root: %w", err)
	}
	svc := service.New(db, repos, audit, cfg.Auth, time.Now)
	if err := svc.SyncPolicies(ctx, "config", cfg.Policies); err != nil {
		return fmt.Errorf("policies: %w", err)
	}
	if len(cfg.Webhooks) > 0 {
		hooks := notify.NewWebhooks(cfg.Webhooks, cfg.PublicURL, nil, log)
		audit.Watch(hooks.Notify)
		go hooks.Run(ctx)
	}
	if err := bootstrapAdmin(ctx, svc, out); err != nil {
		return err
	}

	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary for the pre-receive hook: %w", err)
	}
	hooksDir := filepath.Join(cfg.Data, "hooks")
	if err := server.InstallHooks(hooksDir, []string{exe}); err != nil {
		return err
	}
	pushes := server.NewPushes(filepath.Join(cfg.Data, "hook.sock"))
	hooks, err := server.ListenHooks(server.HookServerConfig{Socket: filepath.Join(cfg.Data, "hook.sock"), PublicURL: cfg.PublicURL}, svc, pushes, log)
	if err != nil {
		return err
	}
	runner, err := server.NewRunner(server.RunnerConfig{HooksDir: hooksDir, Pushes: pushes}, log)
	if err != nil {
		return err
	}

	mirrors, err := mirror.NewMirrors(mirror.MirrorsConfig{HooksDir: hooksDir, AllowLocal: cfg.Mirrors.AllowLocal,
		MaxParallel: cfg.Mirrors.MaxParallel, Timeout: cfg.Mirrors.FetchTimeout}, svc, repos, log)
	if err != nil {
		return err
	}
	if cfg.Mirrors.AllowLocal {
		log.Warn("mirrors.allow_local is on: mirrors may copy repositories from this server's disk; do not use in production")
	}

	sshURL := cfg.SSHPublicURL
	if sshURL == "" && cfg.SSH != "off" {
		sshURL = "ssh://git@" + cfg.SSH
	}
	metrics := web.NewMetrics(time.Now())
	audit.Watch(metrics.Record)
	pages := web.New(web.Options{Service: svc, PublicURL: cfg.PublicURL, SSHURL: sshURL, Logger: log, Metrics: metrics,
		SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"), Mirrors: mirrors})
	gitHTTP := server.NewHTTP(server.HTTPConfig{PublicURL: cfg.PublicURL, Fallback: pages,
		MaxUploadPackBody: cfg.MaxFetchBody, MaxReceivePackBody: cfg.MaxPushBody,
		// Thirty failures in five minutes: generous for CI runners sharing
		// an address, hopeless for guessing a password.
		Throttle: ratelimit.NewThrottle(30, 5*time.Minute, time.Now)}, svc, repos, runner, log)

	httpLn, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return fmt.Errorf("HTTP listen on %s: %w (set --http or JITGIT_HTTP to another address)", cfg.HTTP, err)
	}
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			httpLn.Close()
			return fmt.Errorf("TLS: %w (check tls_cert and tls_key in the config)", err)
		}
		httpLn = tls.NewListener(httpLn, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	sockLn, err := listenSocket(filepath.Join(cfg.Data, socketName))
	if err != nil {
		httpLn.Close()
		return err
	}
	public := &http.Server{
		Handler:           forwarded.TrustProxies(gitHTTP, cfg.TrustedProxies),
		ReadHeaderTimeout: 10 * time.Second,
		// A push of a large pack may legitimately take long; a client that
		// sends nothing for this long is gone.
		ReadTimeout:    30 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	admin := &http.Server{Handler: pages.AdminSocket(), ReadHeaderTimeout: 10 * time.Second}

	errc := make(chan error, 4)
	go func() { errc <- serveHTTP(public, httpLn) }()
	go func() { errc <- serveHTTP(admin, sockLn) }()
	go func() { errc <- hooks.Serve(ctx) }()
	go sweepRequests(ctx, svc, log)
	mirrorsCtx, stopMirrors := context.WithCancel(ctx)
	mirrorsDone := make(chan struct{})
	go func() { mirrors.Run(mirrorsCtx); close(mirrorsDone) }()
	// On the way out the scheduler kills its fetches and records them
	// before the audit trail and the database close.
	defer func() { stopMirrors(); <-mirrorsDone }()

	sshStop, err := startSSH(ctx, cfg, svc, repos, runner, log, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "jitgit: serving Git and web on %s (%s)\n", httpLn.Addr(), cfg.PublicURL)
	fmt.Fprintf(out, "jitgit: admin socket %s; data in %s\n", filepath.Join(cfg.Data, socketName), cfg.Data)

	select {
	case <-ctx.Done():
	case err = <-errc:
		log.Error("server stopped", "err", err)
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sshStop()
	_ = public.Shutdown(shut)
	_ = admin.Shutdown(shut)
	_ = hooks.Close()
	return err
}

func serveHTTP(s *http.Server, ln net.Listener) error {
	if err := s.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
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

// bootstrapAdmin creates the admin user on first start and prints its
// password once.
func bootstrapAdmin(ctx context.Context, svc *service.Service, out io.Writer) error {
	system := auth.System("cli")
	if _, err := svc.User(ctx, system, "admin"); err == nil {
		return nil
	} else if !errors.Is(err, auth.ErrNotFound) {
		return fmt.Errorf("look up admin user: %w", err)
	}
	password := secret.NewSecret(18)
	if _, err := svc.CreateUser(ctx, system, service.NewUser{Name: "admin", Password: password, Admin: true, Approver: true}); err != nil {
		return fmt.Errorf("create admin user: %w", err)
	}
	fmt.Fprintf(out, "jitgit: created user \"admin\"; its password is shown this once: %s\n", password)
	return nil
}

// sweepRequests marks lapsed pending requests expired, once a minute.
func sweepRequests(ctx context.Context, svc *service.Service, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := svc.ExpireRequests(ctx); err != nil && ctx.Err() == nil {
			log.Warn("expire requests", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
