// Command httpbackend serves a directory of bare repositories with
// `git http-backend` through net/http/cgi: the baseline the clone benchmark
// measures jitgit against.
//
//	go run ./bench/httpbackend -root DIR -addr 127.0.0.1:3001
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/cgi"
	"os/exec"
)

func main() {
	root := flag.String("root", "", "directory of bare repositories")
	addr := flag.String("addr", "127.0.0.1:3001", "listen address")
	flag.Parse()
	git, err := exec.LookPath("git")
	if err != nil {
		log.Fatal(err)
	}
	h := &cgi.Handler{
		Path: git,
		Args: []string{"http-backend"},
		Env:  []string{"GIT_PROJECT_ROOT=" + *root, "GIT_HTTP_EXPORT_ALL=1"},
		// Protocol v2 needs the Git-Protocol header passed through.
		InheritEnv: []string{"PATH"},
	}
	srv := &http.Server{Addr: *addr, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.Header.Get("Git-Protocol"); p != "" {
			hh := *h
			hh.Env = append(append([]string{}, h.Env...), "GIT_PROTOCOL="+p)
			hh.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})}
	log.Fatal(srv.ListenAndServe())
}
