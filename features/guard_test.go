package features

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// outcomeNames are the identifiers through which code reads how an attempt
// ended.
var outcomeNames = []string{"Independent", "Supported", "HintsUsed", "IndependentSuccess", "SupportedSuccess", "Failed", "OutcomeOf", "Outcome", "flagIndependent", "flagSupported"}

// notPractice lists the functions outside features that count outcomes for
// another purpose than a model's input, with why. Anything else that counts
// is a practice feature computed outside this package.
var notPractice = map[string]string{
	"models/elasticity/design.go:newDesign":    "counts the fit's rows per item and entries per skill, sizes for the priors; the practice comes from Practice",
	"models/itemmean/itemmean.go:count":        "population success rates per item and skill over the whole training log: model parameters, not a learner's past",
	"pathway/policies.go:zpdesLearner.Observe": "ZPDES's sliding window of outcomes per arm: the bandit's decision state, not a model input",
	"report/zpd.go:zpdChart":                   "tallies a charted learner's attempts by outcome for the figure's legend",
	"bench/serve/seed/main.go:run":             "generates synthetic learners' histories for the store benchmark: counts per learner, no features",
}

// TestPracticeComputedOnlyHere is a vet-style guard: outside package
// features (and tests), no function both reads an attempt's outcome and
// counts per key (x[k]++, x[k] += 1, x[k] = {x[k][0] + 1, …}), which is
// how a practice count is kept.
func TestPracticeComputedOnlyHere(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	found, err := practiceCounters(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range found {
		if _, ok := notPractice[name]; !ok {
			t.Errorf("%s reads attempt outcomes and keeps counts: practice features belong in package features", name)
		}
	}
	for name := range notPractice {
		if !slices.Contains(found, name) {
			t.Errorf("notPractice lists %s, which no longer counts: remove it", name)
		}
	}
}

// TestGuardCatchesCounters runs the guard on the practice counters zpd had
// before package features (testdata/guard): every one must be found.
func TestGuardCatchesCounters(t *testing.T) {
	found, err := practiceCounters("testdata/guard")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bestlr.go:history.observe", "elasticity.go:practice.add", "pfa.go:counts.observe"}
	slices.Sort(found)
	slices.Sort(want)
	if !slices.Equal(found, want) {
		t.Errorf("found %v, want %v", found, want)
	}
}

// practiceCounters returns, as "path:function" relative to root, every
// function of the non-test Go files under root (package features and
// testdata left out) that reads an outcome and counts per key.
func practiceCounters(root string) ([]string, error) {
	fset := token.NewFileSet()
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if path != root && (rel == "features" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || d.Name() == "out" || d.Name() == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if ok && fn.Body != nil && readsOutcome(fn) && counts(fn.Body) {
				found = append(found, filepath.ToSlash(rel)+":"+funcName(fn))
			}
		}
		return nil
	})
	return found, err
}

func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	if ix, ok := typ.(*ast.IndexExpr); ok {
		typ = ix.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}

// readsOutcome reports whether fn names an outcome: a field or flag of
// the log, an Outcome, or an attempt it is given.
func readsOutcome(fn *ast.FuncDecl) bool {
	found := false
	ast.Inspect(fn, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			found = found || slices.Contains(outcomeNames, x.Sel.Name) || x.Sel.Name == "Attempt"
		case *ast.Ident:
			found = found || slices.Contains(outcomeNames, x.Name)
		}
		return !found
	})
	return found
}

// counts reports whether body counts per key: it increments an element of
// a slice, array or map (x[k]++, x[k] += 1), or stores into one a value
// built by adding 1 (x[k] = [2]float64{n[0] + 1, …}).
func counts(body *ast.BlockStmt) bool {
	found := false
	plusOne := func(e ast.Expr) bool {
		hit := false
		ast.Inspect(e, func(n ast.Node) bool {
			if b, ok := n.(*ast.BinaryExpr); ok && b.Op == token.ADD {
				for _, o := range []ast.Expr{b.X, b.Y} {
					if lit, ok := o.(*ast.BasicLit); ok && lit.Value == "1" {
						hit = true
					}
				}
			}
			return !hit
		})
		return hit
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.IncDecStmt:
			_, indexed := s.X.(*ast.IndexExpr)
			found = found || (indexed && s.Tok == token.INC)
		case *ast.AssignStmt:
			if len(s.Lhs) != 1 || len(s.Rhs) != 1 {
				break
			}
			if _, indexed := s.Lhs[0].(*ast.IndexExpr); !indexed {
				break
			}
			switch s.Tok {
			case token.ADD_ASSIGN:
				lit, ok := s.Rhs[0].(*ast.BasicLit)
				found = found || (ok && lit.Value == "1")
			case token.ASSIGN:
				_, built := s.Rhs[0].(*ast.CompositeLit)
				found = found || (built && plusOne(s.Rhs[0]))
			}
		}
		return !found
	})
	return found
}
