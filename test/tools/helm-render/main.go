// helm-render renders chart templates the way Helm's engine does at its core: Go text/template with
// missingkey=zero, executed against empty .Values. It needs no Helm binary and nothing but the Go
// standard library. Usage: go run . <templates-dir> <out-dir>
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: helm-render <templates-dir> <out-dir>")
		os.Exit(2)
	}
	in, out := os.Args[1], os.Args[2]
	entries, err := os.ReadDir(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	values := map[string]interface{}{"Values": map[string]interface{}{}, "Release": map[string]interface{}{"Name": "continuous-load"}}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		text, err := os.ReadFile(filepath.Join(in, e.Name()))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		t, err := template.New(e.Name()).Option("missingkey=zero").Parse(string(text))
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", e.Name(), err)
			os.Exit(1)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, values); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", e.Name(), err)
			os.Exit(1)
		}
		if err := os.WriteFile(filepath.Join(out, e.Name()), buf.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
