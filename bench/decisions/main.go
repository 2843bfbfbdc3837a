// Command decisions drives audited decisions against running jitgit nodes
// for bench/cluster.sh: clients goroutines send GET requests, spread in
// turn over the URLs given, for a set time, each with the same
// credentials, and it prints one JSON line: requests, how many answered
// 200, decisions per second and the latency p50 and p99. Each answered
// request is one decision recorded durably in the audit trail before the
// answer. It is a benchmark tool, not part of the server.
//
//	decisions -urls URL,URL -user NAME -token TOKEN [-bearer] -c 32 -for 10s
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

func main() {
	urls := flag.String("urls", "", "comma-separated URLs to GET, in turn")
	user := flag.String("user", "", "user name (Basic authentication)")
	token := flag.String("token", "", "the user's token")
	bearer := flag.Bool("bearer", false, "send the token as a Bearer token (the API) instead of Basic")
	clients := flag.Int("c", 32, "concurrent clients")
	dur := flag.Duration("for", 10*time.Second, "how long to run")
	flag.Parse()
	targets := strings.Split(*urls, ",")
	if *urls == "" || *token == "" || *clients < 1 {
		flag.Usage()
		os.Exit(2)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var mu sync.Mutex
	var lat []time.Duration
	statuses := map[int]int{}
	errs := 0
	end := time.Now().Add(*dur)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			mineStatus := map[int]int{}
			mineErrs := 0
			for n := i; time.Now().Before(end); n++ {
				req, _ := http.NewRequest("GET", targets[n%len(targets)], nil)
				if *bearer {
					req.Header.Set("Authorization", "Bearer "+*token)
				} else {
					req.SetBasicAuth(*user, *token)
				}
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					mineErrs++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mineStatus[resp.StatusCode]++
				if resp.StatusCode == http.StatusOK {
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			for k, v := range mineStatus {
				statuses[k] += v
			}
			errs += mineErrs
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	out := map[string]any{
		"clients": *clients, "seconds": elapsed.Seconds(), "ok": len(lat), "errors": errs,
		"per_second": float64(len(lat)) / elapsed.Seconds(), "p50_ms": pct(0.50), "p99_ms": pct(0.99),
		"statuses": fmt.Sprint(statuses),
	}
	b, err := json.Marshal(out)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
}
