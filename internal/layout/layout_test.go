package layout

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/zpd-project/zpd/"

// imports returns the module's packages (paths relative to the module
// root) and the module packages each imports directly in non-test files.
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	graph := map[string][]string{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || d.Name() == "out" || d.Name() == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if _, ok := graph[pkg]; !ok {
			graph[pkg] = nil
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if dep, ok := strings.CutPrefix(p, module); ok && !slices.Contains(graph[pkg], dep) {
				graph[pkg] = append(graph[pkg], dep)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return graph
}

// deps returns every module package pkg reaches, directly or not.
func deps(graph map[string][]string, pkg string) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, d := range graph[p] {
			if !seen[d] {
				seen[d] = true
				walk(d)
			}
		}
	}
	walk(pkg)
	return seen
}

func TestNoSidewaysArrows(t *testing.T) {
	graph := imports(t)
	families := []string{"models/elasticity", "models/bestlr", "models/pfa", "models/irt", "models/itemmean", "models/logistic"}
	rules := []struct {
		from    []string
		mustNot []string
		why     string
	}{
		{[]string{"serve", "batch"}, []string{"models/catalog", "models/evaluate"},
			"a scorer loads an elasticity artifact through elasticity, without linking every baseline and the evaluator"},
		{families, []string{"models/evaluate", "models/catalog"},
			"families tune with models/protocol; the evaluator depends on them, not the reverse"},
		{[]string{"train"}, []string{"report"}, "the command line renders the report from train's result"},
		{[]string{"features"}, []string{"models", "models/elasticity", "serve", "batch", "train", "report", "pathway"},
			"data flows datasets → features → models"},
		{[]string{"datasets"}, []string{"features", "models"}, "the schema depends on nothing above it"},
	}
	for _, r := range rules {
		for _, from := range r.from {
			if _, ok := graph[from]; !ok {
				t.Errorf("package %s not found: update the rule", from)
				continue
			}
			reach := deps(graph, from)
			for _, to := range r.mustNot {
				if reach[to] {
					t.Errorf("%s depends on %s: %s", from, to, r.why)
				}
			}
		}
	}
	// No package imports the command line, the server or train.
	for pkg, ds := range graph {
		for _, d := range ds {
			if (d == "serve" || d == "train" || strings.HasPrefix(d, "cmd/")) && !strings.HasPrefix(pkg, "cmd/") {
				t.Errorf("%s imports %s", pkg, d)
			}
		}
	}
}

// TestGraphReadsImports checks the graph the rules read: known arrows are
// there, so a rule cannot pass because the walk found nothing.
func TestGraphReadsImports(t *testing.T) {
	graph := imports(t)
	for _, arrow := range [][2]string{{"serve", "models/elasticity"}, {"models/elasticity", "features"}, {"models/evaluate", "models/protocol"}, {"cmd/zpd", "report"}} {
		if !deps(graph, arrow[0])[arrow[1]] {
			t.Errorf("no arrow %s → %s in the graph read", arrow[0], arrow[1])
		}
	}
}
