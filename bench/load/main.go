// Command load drives the hostile-load benchmarks of bench/flood.sh and
// bench/signins.sh against a running jitgit: a flood of failed Git HTTP
// authentications from many client addresses at a set rate, or many
// concurrent password sign-ins on the web form. It prints one JSON line
// of counts per HTTP status. It is a benchmark tool, not part of the
// server.
//
//	load -mode flood -url URL -rate 10000 -addrs 10000 -for 30s [-src]
//	load -mode signin -url BASE -user NAME -password PW -n 200
//
// Client addresses come from X-Forwarded-For (the server must trust the
// proxy 127.0.0.1 in its config), or with -src from real source addresses
// 127.0.0.2 upward bound per connection (no proxy trust needed; every
// request is a new connection).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	mode := flag.String("mode", "flood", "flood or signin")
	target := flag.String("url", "", "flood: a Git info/refs URL; signin: the server's base URL")
	rate := flag.Int("rate", 10000, "flood: requests per second")
	addrs := flag.Int("addrs", 10000, "flood: distinct client addresses")
	dur := flag.Duration("for", 30*time.Second, "flood: how long")
	workers := flag.Int("workers", 128, "flood: concurrent requests at most")
	src := flag.Bool("src", false, "flood: bind real source addresses 127.x.y.z instead of X-Forwarded-For")
	user := flag.String("user", "", "signin: the user name")
	password := flag.String("password", "", "signin: the password")
	n := flag.Int("n", 200, "signin: concurrent sign-ins")
	flag.Parse()
	if *target == "" {
		log.Fatal("-url is required")
	}
	var counts sync.Map
	count := func(k string) {
		v, _ := counts.LoadOrStore(k, new(atomic.Int64))
		v.(*atomic.Int64).Add(1)
	}
	start := time.Now()
	switch *mode {
	case "flood":
		flood(*target, *rate, *addrs, *dur, *workers, *src, count)
	case "signin":
		signins(*target, *user, *password, *n, count)
	default:
		log.Fatalf("-mode %q: flood or signin", *mode)
	}
	out := map[string]any{"seconds": time.Since(start).Seconds()}
	total := int64(0)
	counts.Range(func(k, v any) bool {
		c := v.(*atomic.Int64).Load()
		out[k.(string)] = c
		total += c
		return true
	})
	out["total"] = total
	out["per_second"] = float64(total) / time.Since(start).Seconds()
	json.NewEncoder(os.Stdout).Encode(out)
}

// addr returns the i-th client address: 10.x.y.z for X-Forwarded-For,
// 127.x.y.z (from 127.0.1.0) for real source addresses.
func addr(i int, src bool) string {
	if src {
		i += 256
		return fmt.Sprintf("127.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
}

func flood(target string, rate, addrs int, dur time.Duration, workers int, src bool, count func(string)) {
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	shared := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	jobs := make(chan int, workers)
	// Every address's headers are made before the flood starts, so that
	// the generator spends its time sending, not formatting: on a shared
	// machine it competes with the server for the same cores.
	type guess struct{ authz, xff []string }
	guesses := make([]guess, addrs)
	for i := range guesses {
		// A token-shaped guess: the password most Git clients hold.
		cred := fmt.Sprintf("user%d:jg_%040x", i, rand.Uint64())
		guesses[i] = guess{authz: []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(cred))}, xff: []string{addr(i, false)}}
	}
	u, err := url.Parse(target)
	if err != nil {
		log.Fatalf("-url: %v", err)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				client := shared
				if src {
					d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr(i%addrs, true))}, Timeout: 5 * time.Second}
					client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
				}
				g := guesses[i%addrs]
				req := &http.Request{Method: "GET", URL: u, Host: u.Host, Header: http.Header{"Authorization": g.authz}}
				if !src {
					req.Header["X-Forwarded-For"] = g.xff
				}
				res, err := client.Do(req)
				if err != nil {
					count("error")
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				count(strconv.Itoa(res.StatusCode))
			}
		})
	}
	// A bounded loop at a fixed rate: ticks of 10 ms, rate/100 requests
	// each; a tick that finds the workers busy drops its rest.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	i := 0
	per := max(rate/100, 1)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
			for range per {
				select {
				case jobs <- i:
					i++
				default:
					count("dropped by the generator")
				}
			}
		}
	}
	close(jobs)
	wg.Wait()
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signins runs n password sign-ins at once, each from its own address
// (X-Forwarded-For), each as a browser: the form, then the post.
func signins(base, user, password string, n int, count func(string)) {
	var ready, wg sync.WaitGroup
	ready.Add(n)
	gate := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			xff := addr(i, false)
			req, _ := http.NewRequest("GET", base+"/signin", nil)
			req.Header.Set("X-Forwarded-For", xff)
			res, err := c.Do(req)
			ready.Done()
			if err != nil {
				count("error")
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			m := csrfField.FindSubmatch(b)
			if m == nil {
				count("no form")
				return
			}
			<-gate
			form := url.Values{"user": {user}, "password": {password}, "csrf": {string(m[1])}}
			req, _ = http.NewRequest("POST", base+"/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", xff)
			res, err = c.Do(req)
			if err != nil {
				count("error")
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			count(strconv.Itoa(res.StatusCode))
		})
	}
	ready.Wait()
	close(gate)
	wg.Wait()
}
