// Command etcd is a thin wrapper around go.etcd.io/etcd/server/v3/etcdmain, equivalent to
// upstream's server/main.go. go.etcd.io/etcd/v3 (the repository's root module) carries replace
// directives, so `go install` of it is refused; this module depends on the published
// server/v3 module instead. For e2e tests only.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
