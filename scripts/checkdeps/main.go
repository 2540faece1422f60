// Command checkdeps fails when a package's imports break the layering of
// courier-sync (STYLE.md, "Where things go"). It reads `go list -json
// ./...` (non-test imports) and checks:
//
//   - syncproto and its subpackages, and internal/..., import only the
//     standard library;
//   - the API client (client) imports only the standard library and
//     syncproto;
//   - mobile-api never imports server or any of its packages;
//   - server (the domain) imports no adapter;
//   - the handlers (server/httpapi) import neither bbolt nor an adapter;
//   - only cmd/... and the wiring package server/stack import adapters
//     (an adapter's own test helpers, server/X/Xtest, may import it).
//
// Adapters are the packages below server/. One exception is stated in
// allowed: the store seals personal data with server/crypt, a leaf package
// of sealing primitives that imports nothing of ours.
//
// Usage: go run ./scripts/checkdeps [dir] (default: the current directory).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
)

const module = "github.com/courier-sync/courier-sync"

// allowed lists imports between adapters that are deliberate, with why.
var allowed = map[[2]string]string{
	{"server/bolt", "server/crypt"}: "the store seals personal data at rest; crypt is a leaf of primitives",
}

// pkg is what checkdeps reads of `go list -json`.
type pkg struct {
	ImportPath string
	Imports    []string
}

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	pkgs, err := list(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkdeps:", err)
		os.Exit(2)
	}
	bad := check(pkgs)
	for _, b := range bad {
		fmt.Fprintln(os.Stderr, b)
	}
	if len(bad) > 0 {
		fmt.Fprintf(os.Stderr, "checkdeps: %d import(s) break the layering\n", len(bad))
		os.Exit(1)
	}
	fmt.Printf("checkdeps: %d packages, layering holds\n", len(pkgs))
}

// list runs go list -json ./... in dir.
func list(dir string) ([]pkg, error) {
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = dir
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, stderr.String())
	}
	return decode(&out)
}

// decode reads the stream of JSON objects go list -json prints.
func decode(r io.Reader) ([]pkg, error) {
	var pkgs []pkg
	dec := json.NewDecoder(r)
	for {
		var p pkg
		err := dec.Decode(&p)
		if err == io.EOF {
			return pkgs, nil
		}
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, p)
	}
}

// check returns one line per import that breaks a rule, sorted.
func check(pkgs []pkg) []string {
	var bad []string
	for _, p := range pkgs {
		from, ours := strings.CutPrefix(p.ImportPath, module+"/")
		if !ours {
			continue
		}
		for _, imp := range p.Imports {
			if why := rule(from, imp); why != "" {
				bad = append(bad, fmt.Sprintf("%s imports %s: %s", from, imp, why))
			}
		}
	}
	sort.Strings(bad)
	return bad
}

// rule says which rule an import of package from (relative to the module)
// breaks, or "".
func rule(from, imp string) string {
	to, ours := strings.CutPrefix(imp, module+"/")
	std := !ours && !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")
	switch {
	case (under(from, "syncproto") || under(from, "internal")) && !std:
		return "the wire contract and internal packages import the standard library only"
	case under(from, "client") && !std && !(ours && to == "syncproto"):
		return "the API client imports the standard library and syncproto only"
	case under(from, "mobile-api") && ours && under(to, "server"):
		return "mobile-api never imports the server"
	case !ours:
		if from == "server/httpapi" && strings.HasPrefix(imp, "go.etcd.io/bbolt") {
			return "handlers never import bbolt"
		}
		return ""
	case !adapter(to) || under(from, "cmd") || from == "server/stack":
		return ""
	case strings.HasPrefix(from, to+"/") && strings.HasSuffix(from, "test"):
		return "" // an adapter's test helpers
	case allowed[[2]string{from, to}] != "":
		return ""
	case from == "server":
		return "the domain never imports its adapters"
	case from == "server/httpapi":
		return "handlers never import adapters"
	}
	return "only cmd/ and the wiring package server/stack import adapters"
}

// adapter reports whether a package (relative to the module) is an adapter.
func adapter(p string) bool { return strings.HasPrefix(p, "server/") }

// under reports whether p is root or below it.
func under(p, root string) bool { return p == root || strings.HasPrefix(p, root+"/") }
