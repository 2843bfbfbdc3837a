package main

import "reflect"

// restartKeys are the config keys a running server cannot change: their
// listeners, files, keys and pools are made at start. A reload that
// changes one says so by name and keeps the running value.
var restartKeys = []struct {
	key string
	get func(Config) any
}{
	{"data", func(c Config) any { return c.Data }},
	{"http", func(c Config) any { return c.HTTP }},
	{"ssh", func(c Config) any { return c.SSH }},
	{"public_url", func(c Config) any { return c.PublicURL }},
	{"ssh_public_url", func(c Config) any { return c.SSHPublicURL }},
	{"log_level", func(c Config) any { return c.LogLevel }},
	{"log_format", func(c Config) any { return c.LogFormat }},
	{"metrics", func(c Config) any { return c.MetricsListen }},
	{"tls_cert", func(c Config) any { return c.TLSCert }},
	{"tls_key", func(c Config) any { return c.TLSKey }},
	{"trusted_proxies", func(c Config) any { return c.TrustedProxies }},
	{"ssh_host_keys", func(c Config) any { return c.SSHHostKeys }},
	{"purge_after_rewrite", func(c Config) any { return c.PurgeAfterRewrite }},
	{"shutdown_grace", func(c Config) any { return c.ShutdownGrace }},
	{"audit_signing_key", func(c Config) any { return c.AuditKey }},
	{"audit_checkpoint_every", func(c Config) any { return c.AuditCheckpointEvery }},
	{"http_max_connections", func(c Config) any { return c.MaxHTTPConns }},
	{"ssh_limits.max_sessions_per_connection", func(c Config) any { return c.SSHLimits.MaxSessionsPerConn }},
	{"ssh_limits.max_connections_per_address", func(c Config) any { return c.SSHLimits.MaxConnsPerAddr }},
	{"ssh_limits.max_connections_per_user", func(c Config) any { return c.SSHLimits.MaxConnsPerUser }},
	{"ssh_limits.idle_timeout", func(c Config) any { return c.SSHLimits.IdleTimeout }},
	{"ssh_limits.auth_timeout", func(c Config) any { return c.SSHLimits.AuthTimeout }},
	{"ssh_limits.max_startups", func(c Config) any { return c.SSHLimits.Startups }},
	{"ssh_limits.max_startups_per_address", func(c Config) any { return c.SSHLimits.StartupsPerAddr }},
	{"mirrors.allow_local", func(c Config) any { return c.Mirrors.AllowLocal }},
	{"mirrors.max_parallel", func(c Config) any { return c.Mirrors.MaxParallel }},
	{"mirrors.fetch_timeout", func(c Config) any { return c.Mirrors.FetchTimeout }},
	{"mirrors.credential_key", func(c Config) any { return c.Mirrors.CredentialKey }},
	{"mirrors.ca_file", func(c Config) any { return c.Mirrors.CAFile }},
	{"notify.refuse_private_targets", func(c Config) any { return c.WebhookRefusePrivate }},
	{"oidc", func(c Config) any { return c.SSO }},
	{"oidc.password_sign_in", func(c Config) any { return c.Auth.NoPasswords }},
	{"trust", func(c Config) any { return c.Workloads }},
}

// needRestart returns the restart keys whose value differs between the
// running config and a reloaded one.
func needRestart(running, next Config) []string {
	var keys []string
	for _, k := range restartKeys {
		if !reflect.DeepEqual(k.get(running), k.get(next)) {
			keys = append(keys, k.key)
		}
	}
	return keys
}
