package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestLogHasNoSecrets runs a whole session against a server logging JSON
// at debug level (passwords and tokens over HTTP Basic, bearer tokens on
// the API, a wrong password, a web sign-in, a webhook with a secret, a
// clone and a push) and then greps its log: no password, token or secret
// it used appears, except the first admin password on the one line that
// shows it; and there is a JSON line per Git operation and API request.
func TestLogHasNoSecrets(t *testing.T) {
	t.Parallel()
	sink := &hookSink{secret: "webhook-secret-e2e-7f3a9"}
	rcv := httptest.NewServer(sink)
	defer rcv.Close()
	dir := t.TempDir()
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	s := serveIn(t, dir, addr, fmt.Sprintf("log_format = \"json\"\nlog_level = \"debug\"\nmetrics = %q\n[[webhook]]\nurl = %q\nsecret = %q\n", metricsAddr, rcv.URL, sink.secret))
	m := regexp.MustCompile(`its password is shown this once: (\S+)`).FindStringSubmatch(s.log.String())
	if m == nil {
		t.Fatalf("no admin password in\n%s", s.log.String())
	}
	adminPassword := m[1]
	const alicePassword = "alice-Pa55word-e2e-91c"
	const wrongPassword = "wrong-Pa55word-e2e-33d"
	s.run(dir, false, "", "jitgit", "repo", "create", "acme/payments")
	s.run(dir, false, alicePassword+"\n", "jitgit", "user", "add", "alice", "--password-stdin")
	token, _ := s.run(dir, false, "", "jitgit", "user", "token", "create", "alice")
	adminToken, _ := s.run(dir, false, "", "jitgit", "user", "token", "create", "admin")
	s.run(dir, false, "", "jitgit", "grant", "add", "--user", "alice", "--repo", "acme/payments", "--access", "write", "--for", "1h", "--reason", "log test")

	host := strings.TrimPrefix(s.url, "http://")
	s.run(dir, false, "", "git", "clone", "http://alice:"+token+"@"+host+"/acme/payments.git", "bytoken")
	s.run(dir, false, "", "git", "clone", "http://alice:"+url.QueryEscape(alicePassword)+"@"+host+"/acme/payments.git", "bypassword")
	s.run(dir, true, "", "git", "clone", "http://alice:"+wrongPassword+"@"+host+"/acme/payments.git", "refused")
	work := dir + "/bytoken"
	s.run(work, false, "", "git", "commit", "--allow-empty", "-m", "one")
	s.run(work, false, "", "git", "push", "origin", "HEAD:main")

	// The API with bearer tokens, a remote CLI and a refused token.
	remote := *s.server
	remote.env = append(append([]string{}, s.env...), "JITGIT_SERVER="+s.url, "JITGIT_TOKEN="+token)
	remote.run(dir, false, "", "jitgit", "request", "create", "--repo", "acme/payments", "--access", "read", "--reason", "api")
	for _, bearer := range []string{adminToken, "jg_not-a-real-token-e2e-55aa"} {
		req, _ := http.NewRequest("GET", s.url+"/api/v1/grants", nil)
		req.Header.Set("Authorization", "Bearer "+bearer)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	// A web sign-in, right and wrong.
	for _, pw := range []string{alicePassword, wrongPassword} {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(s.url + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csrf := ""
		signin, _ := url.Parse(s.url + "/signin")
		for _, ck := range jar.Cookies(signin) {
			if ck.Name == "jitgit_signin" {
				csrf = ck.Value
			}
		}
		if csrf == "" {
			t.Fatal("no sign-in cookie")
		}
		resp, err = c.PostForm(s.url+"/signin", url.Values{"user": {"alice"}, "password": {pw}, "csrf": {csrf}})
		if err == nil {
			resp.Body.Close()
		}
	}
	// The webhook has delivered something signed with its secret.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, n := sink.distinct(""); n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no webhook delivery")
		}
	}
	// The metrics listener answers without sign-in; the page parses and
	// has counted the decisions of the session in its histogram.
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("metrics do not parse: %v", err)
	}
	var decisions uint64
	for _, m := range fams["jitgit_decision_duration_seconds"].GetMetric() {
		decisions += m.GetHistogram().GetSampleCount()
	}
	if decisions < 4 {
		t.Errorf("the decision histogram counted %d decisions, want the session's (4 or more)", decisions)
	}
	if fams["jitgit_git_operations_total"] == nil || fams["jitgit_webhook_queue_depth"] == nil || fams["go_goroutines"] == nil {
		t.Errorf("metrics lack series: %v", len(fams))
	}
	if err := s.stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}

	log := s.log.String()
	for name, secret := range map[string]string{"alice's token": token, "admin's token": adminToken, "alice's password": alicePassword,
		"the wrong password": wrongPassword, "the refused token": "jg_not-a-real-token-e2e-55aa", "the webhook secret": sink.secret} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows %s", name)
		}
	}
	if n := strings.Count(log, adminPassword); n != 1 {
		t.Errorf("the admin password appears %d times, want once (where it is shown at the first start)", n)
	}
	kinds := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		msg, _ := line["msg"].(string)
		kinds[msg]++
		if msg == "git http" && (line["user"] == nil || line["repo"] == nil || line["bytes_out"] == nil || line["duration"] == nil) {
			t.Errorf("git line lacks fields: %s", sc.Text())
		}
		if msg == "api" && (line["user"] == nil || line["status"] == nil || line["duration"] == nil) {
			t.Errorf("api line lacks fields: %s", sc.Text())
		}
	}
	if kinds["git http"] < 4 || kinds["api"] < 3 {
		t.Errorf("log lines by message: %v; want a line per Git operation and API request", kinds)
	}
}
