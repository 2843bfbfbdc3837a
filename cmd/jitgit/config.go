package main

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/jitgit/jitgit/auth"
	"github.com/jitgit/jitgit/notify"
	"github.com/jitgit/jitgit/server"
	"github.com/jitgit/jitgit/service"
	"github.com/jitgit/jitgit/sso"
)

// Config is everything `jitgit serve` can be told. Every key is documented
// in config.example.toml; the zero file means the embedded defaults.
type Config struct {
	Data         string
	HTTP         string
	SSH          string
	PublicURL    string
	SSHPublicURL string
	LogLevel     string
	// LogFormat is text or json.
	LogFormat string
	// MetricsListen, when set, serves /metrics there without sign-in;
	// admins read it at /metrics on the HTTP side either way.
	MetricsListen string
	Auth          service.Config
	MaxFetchBody  int64
	MaxPushBody   int64
	SSHLimits     sshLimits
	Mirrors       mirrorsConfig
	Webhooks      []notify.WebhookConfig
	// WebhookRefusePrivate refuses webhook receivers at private and
	// loopback addresses ([notify] refuse_private_targets).
	WebhookRefusePrivate bool
	// TLSCert and TLSKey, when set, make the HTTP side serve HTTPS.
	TLSCert, TLSKey string
	// TrustedProxies may report the client address in X-Forwarded-For.
	TrustedProxies []netip.Prefix
	Policies       []auth.Policy
	// Protections are the protection rules of refs from the file.
	Protections []auth.Protection
	// ShutdownGrace is how long the Git operations running at a shutdown
	// may go on before they are killed.
	ShutdownGrace time.Duration
	// AuditDeadline is how long a decision waits for its audit event to be
	// durable before it is refused.
	AuditDeadline time.Duration
	// SSO, when set, is the identity provider of the web sign-in;
	// Workloads the trust rules of CI identity tokens.
	SSO       *sso.Config
	Workloads *sso.WorkloadConfig
	// MaxHTTPConns bounds the open HTTP connections; 0 is below the
	// descriptor limit (see httpConnLimit).
	MaxHTTPConns int
	// SSHHostKeys are the kinds of SSH host key made and offered.
	SSHHostKeys []string
	// PurgeAfterRewrite runs `repo purge` on a repository after a push
	// that force-updated or deleted a ref.
	PurgeAfterRewrite bool
	// AuditKey is the checkpoint signing key's file ("": audit-signing.key
	// in the data directory, made on first start); AuditCheckpointEvery how
	// many events may go unsigned.
	AuditKey             string
	AuditCheckpointEvery uint64
	// MemoryLimitMiB is the Go runtime's soft memory limit (0: none).
	MemoryLimitMiB int64
	// AdminUser is the administrator made on first start and the one the
	// admin socket acts as when no --as names another (admin_user).
	AdminUser string
	// Repos is the repository directory ("": <data>/repos); nodes with
	// their own data directories share one through it.
	Repos string
	// Store is the [store] section: the backend of the records.
	Store StoreConfig
	// Cluster is the [cluster] section: this node among several.
	Cluster clusterConfig
	// File is the config file the server was started with ("": none),
	// which SIGHUP and `jitgit config reload` read again.
	File string
}

// mirrorsConfig is the [mirrors] section. AllowLocal is also copied to
// Auth.AllowLocalMirrors.
type mirrorsConfig struct {
	AllowLocal   bool
	MaxParallel  int
	FetchTimeout time.Duration
	// CredentialKey is the file of the key that seals credentials at rest
	// ("": credential.key in the data directory), made on first start.
	CredentialKey string
	// CAFile is a PEM bundle of the certificate authorities https
	// upstreams are checked against instead of the system's ("": those).
	CAFile string
}

// sshLimits bound the SSH transport's resources.
type sshLimits struct {
	MaxSessionsPerConn int
	MaxConnsPerAddr    int
	IdleTimeout        time.Duration
	AuthTimeout        time.Duration
	MaxConnsPerUser    int
	// Startups and StartupsPerAddr are "start:rate:full" budgets of
	// unauthenticated connections; zero values take the server's defaults.
	Startups, StartupsPerAddr server.Startups
}

// maxShutdownGrace bounds shutdown_grace.
const maxShutdownGrace = time.Hour

// defaultConfig is the embedded default: a first run with no file works.
func defaultConfig() Config {
	return Config{
		AdminUser: "admin",
		Data:      "./jitgit-data", HTTP: "127.0.0.1:3000", SSH: "127.0.0.1:2222", LogLevel: "info", LogFormat: "text", ShutdownGrace: 30 * time.Second, AuditDeadline: 5 * time.Second, AuditCheckpointEvery: 1000,
		SSHHostKeys: slices.Clone(server.HostKeyKinds), Store: defaultStoreConfig(),
		Protections: defaultProtections(),
		Auth:        service.DefaultConfig(), MaxFetchBody: 64 << 20, MaxPushBody: 1 << 30,
		SSHLimits: sshLimits{MaxSessionsPerConn: 10, MaxConnsPerAddr: server.DefaultSSHMaxConnsPerAddr, IdleTimeout: 10 * time.Minute, AuthTimeout: 30 * time.Second},
		Mirrors:   mirrorsConfig{MaxParallel: 2, FetchTimeout: 10 * time.Minute},
	}
}

// fileConfig is the TOML shape. Durations are strings ("7d") so that the
// file reads like the CLI.
type fileConfig struct {
	Data         string   `toml:"data"`
	HTTP         string   `toml:"http"`
	SSH          string   `toml:"ssh"`
	PublicURL    string   `toml:"public_url"`
	SSHPublicURL string   `toml:"ssh_public_url"`
	LogLevel     string   `toml:"log_level"`
	LogFormat    string   `toml:"log_format"`
	Metrics      string   `toml:"metrics"`
	Grace        string   `toml:"shutdown_grace"`
	AuditWait    string   `toml:"audit_deadline"`
	AuditKey     string   `toml:"audit_signing_key"`
	AuditEvery   int64    `toml:"audit_checkpoint_every"`
	TLSCert      string   `toml:"tls_cert"`
	TLSKey       string   `toml:"tls_key"`
	Proxies      []string `toml:"trusted_proxies"`
	SSHHostKeys  []string `toml:"ssh_host_keys"`
	PurgeAfter   *bool    `toml:"purge_after_rewrite"`
	AdminUser    string   `toml:"admin_user"`
	MemoryLimit  int64    `toml:"memory_limit_mib"`
	Limits       struct {
		MaxGrant        string `toml:"max_grant"`
		DefaultRequest  string `toml:"default_request"`
		PendingLifetime string `toml:"pending_lifetime"`
		Approvals       int    `toml:"approvals"`
		MaxReason       int    `toml:"max_reason"`
		MaxFetchBytes   int64  `toml:"max_fetch_bytes"`
		MaxPushBytes    int64  `toml:"max_push_bytes"`
	} `toml:"limits"`
	SSHLimits struct {
		MaxSessionsPerConn int    `toml:"max_sessions_per_connection"`
		MaxConnsPerAddr    int    `toml:"max_connections_per_address"`
		IdleTimeout        string `toml:"idle_timeout"`
		AuthTimeout        string `toml:"auth_timeout"`
		MaxConnsPerUser    int    `toml:"max_connections_per_user"`
		Startups           string `toml:"max_startups"`
		StartupsPerAddr    string `toml:"max_startups_per_address"`
	} `toml:"ssh_limits"`
	MaxHTTPConns int `toml:"http_max_connections"`
	Mirrors      struct {
		AllowLocal   bool   `toml:"allow_local"`
		MaxParallel  int    `toml:"max_parallel"`
		FetchTimeout string `toml:"fetch_timeout"`
		// CredentialKey is mirrorsConfig.CredentialKey.
		CredentialKey string `toml:"credential_key"`
		// CAFile is mirrorsConfig.CAFile.
		CAFile string `toml:"ca_file"`
	} `toml:"mirrors"`
	Webhook []struct {
		Name   string   `toml:"name"`
		URL    string   `toml:"url"`
		Secret string   `toml:"secret"`
		Events []string `toml:"events"`
		MaxAge string   `toml:"max_age"`
	} `toml:"webhook"`
	Notify struct {
		RefusePrivate bool   `toml:"refuse_private_targets"`
		ExpiringSoon  string `toml:"expiring_soon"`
	} `toml:"notify"`
	Policy []struct {
		ID          string   `toml:"id"`
		Description string   `toml:"description"`
		Subjects    []string `toml:"subjects"`
		Repos       []string `toml:"repos"`
		Effect      string   `toml:"effect"`
		Access      string   `toml:"access"`
		Approve     bool     `toml:"approve"`
		AutoMax     string   `toml:"auto_max"`
		AutoAccess  string   `toml:"auto_access"`
		Approvals   int      `toml:"approvals"`
	} `toml:"policy"`
	Protect []struct {
		ID          string   `toml:"id"`
		Description string   `toml:"description"`
		Repo        string   `toml:"repo"`
		Ref         string   `toml:"ref"`
		Forbid      []string `toml:"forbid"`
	} `toml:"protect"`
	Repos  string      `toml:"repos"`
	Store  storeFile   `toml:"store"`
	OIDC   oidcFile    `toml:"oidc"`
	Tokens tokensFile  `toml:"tokens"`
	Trust  []trustFile `toml:"trust"`

	protectLines []int // the line of each [[protect]] header, when known

	Cluster clusterFile `toml:"cluster"`
}

// loadConfig reads a TOML file over the defaults. Unknown keys are errors:
// a typo in a security setting must not be silently ignored.
func loadConfig(path string) (Config, error) {
	cfg := defaultConfig()
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	var f fileConfig
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if err := checkProtectKeys(string(data)); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return cfg, fmt.Errorf("config %s: unknown keys %s; see config.example.toml for every key", path, strings.Join(keys, ", "))
	}
	if md.IsDefined("protect") {
		// The file's rules replace the embedded ones; `protect = []`
		// removes them all.
		cfg.Protections = nil
	}
	f.protectLines = tableLines(string(data), "protect", len(f.Protect))
	if err := f.apply(&cfg); err != nil {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// defaultProtections are the rules of the embedded default, the same as
// config.example.toml ships: the default branch and tags can be neither
// force-pushed nor deleted with plain write access.
func defaultProtections() []auth.Protection {
	both := auth.ChangeForce | auth.ChangeDelete
	return []auth.Protection{
		{ID: "default-branch", Description: "the default branch keeps its history", Repo: "*", Ref: "refs/heads/main", Forbid: both, Source: "config"},
		{ID: "tags", Description: "a tag, once pushed, stays where it is", Repo: "*", Ref: "refs/tags/*", Forbid: both, Source: "config"},
	}
}

func (f *fileConfig) apply(cfg *Config) error {
	setStr := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	setStr(&cfg.Data, f.Data)
	setStr(&cfg.HTTP, f.HTTP)
	setStr(&cfg.SSH, f.SSH)
	setStr(&cfg.PublicURL, f.PublicURL)
	setStr(&cfg.SSHPublicURL, f.SSHPublicURL)
	setStr(&cfg.LogLevel, f.LogLevel)
	setStr(&cfg.LogFormat, f.LogFormat)
	setStr(&cfg.MetricsListen, f.Metrics)
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return fmt.Errorf("log_format %q: use text or json", cfg.LogFormat)
	}
	if f.SSHHostKeys != nil {
		cfg.SSHHostKeys = f.SSHHostKeys
	}
	if f.PurgeAfter != nil {
		cfg.PurgeAfterRewrite = *f.PurgeAfter
	}
	dur := func(key, v string, dst *time.Duration) error {
		if v == "" {
			return nil
		}
		d, err := auth.ParseDuration(v, 0)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		*dst = d
		return nil
	}
	l := f.Limits
	errs := []error{
		dur("limits.max_grant", l.MaxGrant, &cfg.Auth.MaxGrant),
		dur("limits.default_request", l.DefaultRequest, &cfg.Auth.DefaultRequest),
		dur("limits.pending_lifetime", l.PendingLifetime, &cfg.Auth.PendingLifetime),
		dur("ssh_limits.idle_timeout", f.SSHLimits.IdleTimeout, &cfg.SSHLimits.IdleTimeout),
		dur("ssh_limits.auth_timeout", f.SSHLimits.AuthTimeout, &cfg.SSHLimits.AuthTimeout),
		dur("mirrors.fetch_timeout", f.Mirrors.FetchTimeout, &cfg.Mirrors.FetchTimeout),
		dur("shutdown_grace", f.Grace, &cfg.ShutdownGrace),
		dur("audit_deadline", f.AuditWait, &cfg.AuditDeadline),
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if cfg.ShutdownGrace > maxShutdownGrace {
		return fmt.Errorf("shutdown_grace (%s) is longer than %s: a stop that long looks hung to a service manager", auth.FormatDuration(cfg.ShutdownGrace), auth.FormatDuration(maxShutdownGrace))
	}
	if cfg.AuditDeadline < 100*time.Millisecond || cfg.AuditDeadline > time.Minute {
		return fmt.Errorf("audit_deadline (%s) must be between 100ms and 1m: shorter refuses access on an ordinary fsync, longer lets a stuck disk hang every request", auth.FormatDuration(cfg.AuditDeadline))
	}
	setStr(&cfg.AuditKey, f.AuditKey)
	setStr(&cfg.AdminUser, f.AdminUser)
	if f.MemoryLimit < 0 || f.MemoryLimit > maxMemoryLimitMiB || (f.MemoryLimit > 0 && f.MemoryLimit < 64) {
		return fmt.Errorf("memory_limit_mib (%d) must be 0 (none) or between 64 and %d", f.MemoryLimit, maxMemoryLimitMiB)
	}
	cfg.MemoryLimitMiB = f.MemoryLimit
	if err := auth.ValidateUserName(cfg.AdminUser); err != nil {
		return fmt.Errorf("admin_user: %w", err)
	}
	switch {
	case f.AuditEvery < 0 || f.AuditEvery > 1_000_000:
		return fmt.Errorf("audit_checkpoint_every (%d) must be between 1 and 1000000", f.AuditEvery)
	case f.AuditEvery > 0:
		cfg.AuditCheckpointEvery = uint64(f.AuditEvery)
	}
	if cfg.Auth.DefaultRequest > cfg.Auth.MaxGrant {
		return fmt.Errorf("limits.default_request (%s) is longer than limits.max_grant (%s)", auth.FormatDuration(cfg.Auth.DefaultRequest), auth.FormatDuration(cfg.Auth.MaxGrant))
	}
	positive := func(key string, v int64, dst *int64) error {
		switch {
		case v < 0:
			return fmt.Errorf("%s must be positive", key)
		case v > 0:
			*dst = v
		}
		return nil
	}
	var a, r, s, c int64 = int64(l.Approvals), int64(l.MaxReason), int64(f.SSHLimits.MaxSessionsPerConn), int64(f.SSHLimits.MaxConnsPerAddr)
	mp := int64(f.Mirrors.MaxParallel)
	if err := errors.Join(
		positive("limits.approvals", a, &a), positive("limits.max_reason", r, &r), positive("mirrors.max_parallel", mp, &mp),
		positive("limits.max_fetch_bytes", l.MaxFetchBytes, &cfg.MaxFetchBody), positive("limits.max_push_bytes", l.MaxPushBytes, &cfg.MaxPushBody),
		positive("ssh_limits.max_sessions_per_connection", s, &s), positive("ssh_limits.max_connections_per_address", c, &c),
	); err != nil {
		return err
	}
	if a > 0 {
		cfg.Auth.Approvals = int(a)
	}
	if r > 0 {
		cfg.Auth.MaxReason = int(r)
	}
	if s > 0 {
		cfg.SSHLimits.MaxSessionsPerConn = int(s)
	}
	if c > 0 {
		cfg.SSHLimits.MaxConnsPerAddr = int(c)
	}
	if mp > 0 {
		cfg.Mirrors.MaxParallel = int(mp)
	}
	if err := loadAdmission(f, cfg); err != nil {
		return err
	}
	if err := loadStore(f, cfg); err != nil {
		return err
	}
	cfg.Mirrors.AllowLocal = f.Mirrors.AllowLocal
	cfg.Mirrors.CredentialKey = f.Mirrors.CredentialKey
	if f.Mirrors.CAFile != "" {
		if _, err := os.Stat(f.Mirrors.CAFile); err != nil {
			return fmt.Errorf("mirrors.ca_file: %w", err)
		}
	}
	cfg.Mirrors.CAFile = f.Mirrors.CAFile
	cfg.Auth.AllowLocalMirrors = f.Mirrors.AllowLocal
	if (f.TLSCert == "") != (f.TLSKey == "") {
		return errors.New("tls_cert and tls_key go together: set both, or neither to serve plain HTTP")
	}
	cfg.TLSCert, cfg.TLSKey = f.TLSCert, f.TLSKey
	for _, p := range f.Proxies {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return fmt.Errorf("trusted_proxies: %q: use an address (10.0.0.5) or a network (10.0.0.0/8)", p)
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, pfx.Masked())
	}
	names := map[string]int{}
	for i, w := range f.Webhook {
		wc := notify.WebhookConfig{Name: w.Name, URL: w.URL, Secret: w.Secret, Events: w.Events}
		if err := dur(fmt.Sprintf("webhook %d: max_age", i+1), w.MaxAge, &wc.MaxAge); err != nil {
			return err
		}
		wc, err := notify.ValidateWebhook(wc)
		if err != nil {
			return fmt.Errorf("webhook %d: %w", i+1, err)
		}
		if j, dup := names[wc.Name]; dup {
			return fmt.Errorf("webhook %d: name %q is already webhook %d's; give each [[webhook]] its own name (its deliveries are kept under it)", i+1, wc.Name, j)
		}
		names[wc.Name] = i + 1
		cfg.Webhooks = append(cfg.Webhooks, wc)
	}
	cfg.WebhookRefusePrivate = f.Notify.RefusePrivate
	if err := dur("notify.expiring_soon", f.Notify.ExpiringSoon, &cfg.Auth.ExpiringSoon); err != nil {
		return err
	}
	if f.Notify.ExpiringSoon != "" && (cfg.Auth.ExpiringSoon < time.Minute || cfg.Auth.ExpiringSoon > 24*time.Hour) {
		return fmt.Errorf("notify.expiring_soon (%s): use between 1m and 24h", auth.FormatDuration(cfg.Auth.ExpiringSoon))
	}
	for i, p := range f.Policy {
		pol := auth.Policy{ID: p.ID, Description: p.Description, Subjects: p.Subjects, Repos: p.Repos, Effect: auth.Effect(p.Effect), Approve: p.Approve, Approvals: p.Approvals}
		if pol.Effect == "" {
			pol.Effect = auth.Allow
		}
		var err error
		if p.Access != "" {
			if pol.Level, err = auth.ParseLevel(p.Access); err != nil {
				return fmt.Errorf("policy %d (%s): access: %w", i+1, p.ID, err)
			}
		}
		if p.AutoAccess != "" {
			if pol.AutoLevel, err = auth.ParseLevel(p.AutoAccess); err != nil || pol.AutoLevel > auth.LevelWrite {
				return fmt.Errorf("policy %d (%s): auto_access: use read or write", i+1, p.ID)
			}
		}
		if err := dur(fmt.Sprintf("policy %d (%s): auto_max", i+1, p.ID), p.AutoMax, &pol.AutoMax); err != nil {
			return err
		}
		if pol.AutoMax > cfg.Auth.MaxGrant {
			return fmt.Errorf("policy %d (%s): auto_max is longer than limits.max_grant", i+1, p.ID)
		}
		if err := pol.Validate(); err != nil {
			return fmt.Errorf("policy %d: %w", i+1, err)
		}
		cfg.Policies = append(cfg.Policies, pol)
	}
	if err := f.applySSO(cfg); err != nil {
		return err
	}
	if err := f.applyCluster(cfg); err != nil {
		return err
	}
	firstProtect := map[string]int{}
	for i, p := range f.Protect {
		entry := f.protectEntry(i, p.ID)
		forbid, err := auth.ParseChanges(strings.Join(p.Forbid, ","))
		if err != nil {
			return fmt.Errorf("%s: forbid: %w", entry, err)
		}
		pr := auth.Protection{ID: p.ID, Description: p.Description, Repo: p.Repo, Ref: p.Ref, Forbid: forbid, Source: "config"}
		if err := pr.Validate(); err != nil {
			return fmt.Errorf("%s: %w", entry, err)
		}
		if j, dup := firstProtect[p.ID]; dup {
			return fmt.Errorf("%s: %w: id %q is already %s; give each rule its own id", entry, auth.ErrInvalid, p.ID, f.protectEntry(j, p.ID))
		}
		firstProtect[p.ID] = i
		cfg.Protections = append(cfg.Protections, pr)
	}
	return nil
}

// protectEntry names the i-th [[protect]] entry in errors: "protect 2
// (main, line 14)".
func (f *fileConfig) protectEntry(i int, id string) string {
	var at []string
	if id != "" {
		at = append(at, auth.Printable(id))
	}
	if i < len(f.protectLines) {
		at = append(at, fmt.Sprintf("line %d", f.protectLines[i]))
	}
	if len(at) == 0 {
		return fmt.Sprintf("protect %d", i+1)
	}
	return fmt.Sprintf("protect %d (%s)", i+1, strings.Join(at, ", "))
}

// tableLines returns the line of each [[name]] header in a TOML text, or
// nil unless there are exactly n of them (entries written as inline
// tables, say, cannot be told apart by a line).
func tableLines(text, name string, n int) []int {
	var lines []int
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "[["+name+"]]"); ok && (rest == "" || strings.HasPrefix(strings.TrimSpace(rest), "#")) {
			lines = append(lines, i+1)
		}
	}
	if len(lines) != n {
		return nil
	}
	return lines
}

// protectKeys are the keys of a [[protect]] entry.
var protectKeys = []string{"id", "description", "repo", "ref", "forbid"}

// checkProtectKeys refuses an unknown key in a [[protect]] entry, naming
// the entry; the general check of unknown keys cannot tell entries apart.
func checkProtectKeys(text string) error {
	var raw struct {
		Protect []map[string]toml.Primitive `toml:"protect"`
	}
	md, err := toml.Decode(text, &raw)
	if err != nil {
		return nil // the full decode reports it
	}
	lines := tableLines(text, "protect", len(raw.Protect))
	f := fileConfig{protectLines: lines}
	for i, entry := range raw.Protect {
		var unknown []string
		for k := range entry {
			if !slices.Contains(protectKeys, k) {
				unknown = append(unknown, strconv.Quote(k))
			}
		}
		if len(unknown) > 0 {
			slices.Sort(unknown)
			id := ""
			if p, ok := entry["id"]; ok {
				_ = md.PrimitiveDecode(p, &id)
			}
			return fmt.Errorf("%s: unknown key %s; a protection rule has %s", f.protectEntry(i, id), strings.Join(unknown, ", "), strings.Join(protectKeys, ", "))
		}
	}
	return nil
}
