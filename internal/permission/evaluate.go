package permission

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Decision is what the evaluator decides for a path's request.
type Decision string

// Decisions.
const (
	// Allowed: the policies allow the request.
	Allowed Decision = "Allowed"
	// ImplicitlyDenied: no statement allows it.
	ImplicitlyDenied Decision = "ImplicitlyDenied"
	// ExplicitlyDenied: a statement denies it.
	ExplicitlyDenied Decision = "ExplicitlyDenied"
	// Error: the evaluator could not decide (a malformed policy or
	// request, or a context key it would have ignored).
	Error Decision = "Error"
	// Outside: the resource is not in the templates (Path.Outside), so
	// its policy is not there to evaluate.
	Outside Decision = "Outside"
)

// Result is the decision on one path.
type Result struct {
	// Path is the path decided.
	Path Path
	// Decision is the evaluator's decision.
	Decision Decision
	// Detail says why, for any decision but Allowed.
	Detail string
}

// Evaluator decides requests with the npm package
// @cloud-copilot/iam-simulate, through the script scripts/iam-evaluate.mjs
// run by Node.js.
type Evaluator struct {
	// Root is the repository root: it holds scripts/iam-evaluate.mjs and
	// node_modules, where `npm ci` installs the evaluator.
	Root string
}

// ScriptPath is the evaluator script, relative to the repository root.
const ScriptPath = "scripts/iam-evaluate.mjs"

// evaluatorPackage is the installed evaluator's package.json, relative to
// the repository root (package.json pins its version).
const evaluatorPackage = "node_modules/@cloud-copilot/iam-simulate/package.json"

type simulation struct {
	Request          Request        `json:"request"`
	ResourcePolicy   map[string]any `json:"resourcePolicy"`
	IdentityPolicies []namedPolicy  `json:"identityPolicies"`
}

type namedPolicy struct {
	Name   string         `json:"name"`
	Policy map[string]any `json:"policy"`
}

// plan returns the results that need no evaluation (Outside), the
// simulations to run, and which paths each simulation decides: the same
// call on the same policies (Path.key) is one simulation, however many
// paths, each with its own What, rely on it.
func plan(paths []Path) (results []Result, sims []simulation, index [][]int) {
	results = make([]Result, len(paths))
	simOf := map[string]int{} // by Path.key
	for i, p := range paths {
		results[i].Path = p
		if p.Outside != "" {
			results[i].Decision, results[i].Detail = Outside, p.Outside+" is not in the templates"
			continue
		}
		k := p.key()
		if j, ok := simOf[k]; ok {
			index[j] = append(index[j], i)
			continue
		}
		simOf[k] = len(sims)
		index = append(index, []int{i})
		sim := simulation{Request: p.Request, IdentityPolicies: []namedPolicy{}}
		if p.ResourcePolicy != nil {
			sim.ResourcePolicy = p.ResourcePolicy.Document
		}
		for _, ip := range p.IdentityPolicies {
			sim.IdentityPolicies = append(sim.IdentityPolicies, namedPolicy{Name: ip.Source, Policy: ip.Document})
		}
		sims = append(sims, sim)
	}
	return results, sims, index
}

type answer struct {
	Decision Decision `json:"decision"`
	Detail   string   `json:"detail"`
}

// Evaluate decides every path in one run of the evaluator, each distinct
// one once. A path whose resource is outside the templates is not
// evaluated: its decision is Outside.
func (e Evaluator) Evaluate(ctx context.Context, paths []Path) ([]Result, error) {
	results, sims, index := plan(paths)
	if len(sims) == 0 {
		return results, nil
	}
	in, err := json.Marshal(sims)
	if err != nil {
		return nil, err
	}
	root, err := filepath.Abs(e.Root)
	if err != nil {
		return nil, err
	}
	// Stat what the script reads, which also lets go test's cache see a
	// change to it (it cannot see what a subprocess reads).
	for _, f := range []string{ScriptPath, evaluatorPackage} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			return nil, fmt.Errorf("the IAM policy evaluator is not installed (run npm ci): %w", err)
		}
	}
	cmd := exec.CommandContext(ctx, "node", filepath.Join(root, ScriptPath))
	cmd.Dir = root
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("node %s: %v\n%s(is the evaluator installed? run npm ci)", ScriptPath, err, stderr.String())
	}
	var answers []answer
	if err := json.Unmarshal(out, &answers); err != nil {
		return nil, fmt.Errorf("node %s: %w", ScriptPath, err)
	}
	if len(answers) != len(sims) {
		return nil, fmt.Errorf("node %s: %d answers to %d requests", ScriptPath, len(answers), len(sims))
	}
	for j, a := range answers {
		for _, i := range index[j] {
			results[i].Decision, results[i].Detail = a.Decision, a.Detail
		}
	}
	return results, nil
}
