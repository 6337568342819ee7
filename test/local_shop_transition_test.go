package test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// localCommand runs the built ecsplit-local with args and returns its exit
// code and its report (stdout).
func localCommand(t *testing.T, args ...string) (int, string) {
	t.Helper()
	code, stdout, _ := runLogged(t, exec.Command(ecsplitLocal(t), args...))
	return code, stdout
}

// unexpectedExample matches an unexpected answer of the transition's
// report, such as "  +1.234s GET /shop/cart (corpus line 14): 503, steady
// state 200", and captures its target.
var unexpectedExample = regexp.MustCompile(`(?m)^  \+[0-9.]+s [A-Z]+ (\S+) \(corpus line \d+\): `)

// TestLocalShopTransitionCatchesOrderingFault plants a fault in the tiny
// shop's cart:50 state: the cart routing rule without its DependsOn, so
// CloudFormation creates it, and sends half of the cart's requests to the
// cart service, while the service's task starts. `ecsplit-local
// transition` from monolith must catch it both ways: the static check
// names the rule, and the load sees 503s, on the cart's paths only; it
// exits 1. The tasks start in 1.8 s (the slowest Fargate start at 1/50).
func TestLocalShopTransitionCatchesOrderingFault(t *testing.T) {
	parallel(t)
	var rule string
	faulty := plantFault(t, synthShop(t, "cart:50"), func(dir string) {
		editTemplate(t, dir, "Shop", func(tpl map[string]any) {
			id, r := resourceWithPrefix(t, tpl, albemu.TypeListenerRule, "ShopcartRule")
			delete(r, "DependsOn")
			rule = id
		})
	})
	code, report := localCommand(t, "transition", "-a-assembly", synthShop(t, "monolith"), "-b-assembly", faulty,
		"-services", shopServices, "-corpus", shopCorpus, "-scale", "0.02", "-min-start-delay", "90s", "-max-start-delay", "90s")
	if want := "  Shop/" + rule + " routes a share to Shop/ShopcartService"; !strings.Contains(report, want) {
		t.Errorf("the static check does not report %q", want)
	}
	if !strings.Contains(report, "unexpected answers (503: ") {
		t.Error("the load saw no 503")
	}
	examples := unexpectedExample.FindAllStringSubmatch(report, -1)
	for _, m := range examples {
		if !strings.HasPrefix(m[1], "/shop/cart") {
			t.Errorf("an unexpected answer outside the cart's paths: %s", m[0])
		}
	}
	if code != 1 || len(examples) == 0 {
		t.Errorf("exit %d with %d unexpected answers shown, want 1 and some", code, len(examples))
	}
}
