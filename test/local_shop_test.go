package test

import (
	"bufio"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The tiny shop is a second app, another team's module built on the
// migration construct the way a team would build its own (examples/shop):
// its images come from registries, never from this repository's build.sh,
// and a services file says how to run each container locally. The tests
// reach it only through its CDK app and its files, as from outside the
// library's module.
var (
	shopDir      = filepath.Join(repoRoot, "examples", "shop")
	shopServices = filepath.Join(shopDir, "services.json")
	shopCorpus   = filepath.Join(shopDir, "corpus.txt")
	// shopSynths are the shop's syntheses through the pinned CLI, by
	// state, run once per test binary and shared by the tests.
	shopSynths dirCache[shopSynthesis]
)

// shopSynthesis is one `cdk synth -c state=STATE` of the shop through the
// pinned CLI, in its module.
type shopSynthesis struct {
	code   int    // the CLI's exit code
	stderr string // what the CLI printed
	dir    string // the cloud assembly
}

// shopSyntheses returns the shop's synthesis of each of states through the
// pinned CLI, running those not run yet at the same time. A state may carry
// more context after it: "cart:100 ramp=10,50:5m".
func shopSyntheses(t *testing.T, states ...string) []shopSynthesis {
	t.Helper()
	cdk, bin := cdkCLI(t), sharedBinDir(t)
	out := make([]shopSynthesis, len(states))
	errs := make([]error, len(states))
	var wg sync.WaitGroup
	for i, state := range states {
		wg.Go(func() {
			out[i], errs[i] = shopSynths.load(state, func(state string) (shopSynthesis, error) {
				// "cart:100 ramp=10,50:5m": the state, then more context.
				fields := strings.Fields(state)
				s := shopSynthesis{dir: filepath.Join(bin, "shop-"+strings.NewReplacer(" ", "-", "=", "-").Replace(state))}
				args := []string{"synth", "--quiet", "-c", "state=" + fields[0]}
				for _, kv := range fields[1:] {
					args = append(args, "-c", kv)
				}
				var err error
				s.code, _, s.stderr, err = runCommand(inShop(cdk, append(args, "-o", s.dir)...))
				return s, err
			})
		})
	}
	wg.Wait()
	for i, s := range out {
		if errs[i] != nil {
			t.Fatalf("cdk synth -c state=%s in examples/shop: %v", states[i], errs[i])
		}
		t.Logf("cdk synth -c state=%s in examples/shop: exit %d\n%s", states[i], s.code, s.stderr)
	}
	return out
}

// synthShop returns the cloud assembly of a migration state of the tiny
// shop, synthesized through the pinned CLI (shopSyntheses): "monolith",
// where legacy owns /shop and everything below it, "cart:50", or
// "cart:100", where cart owns /shop/cart and below and legacy keeps the
// rest.
func synthShop(t *testing.T, state string) string {
	t.Helper()
	s := shopSyntheses(t, state)[0]
	if s.code != 0 {
		t.Fatalf("cdk synth -c state=%s in examples/shop: exit %d\n%s", state, s.code, s.stderr)
	}
	return s.dir
}

// ecsplitLocal builds cmd/ecsplit-local once per test binary, into the
// binaries directory, and returns its path.
func ecsplitLocal(t *testing.T) string { return goBuild(t, "ecsplit-local", "./cmd/ecsplit-local") }

// compareCommand runs `ecsplit-local compare` with args and returns its
// exit code and its report (stdout).
func compareCommand(t *testing.T, args ...string) (int, string) {
	t.Helper()
	return localCommand(t, append([]string{"compare"}, args...)...)
}

// reportedRequest matches a difference's first line in the report.
var reportedRequest = regexp.MustCompile(`^([A-Z]+ \S+) \(corpus line \d+\): (.+) differs?$`)

// reported returns each reported request with what differs, such as
// "GET /shop/cart: body".
func reported(report string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(report))
	for sc.Scan() {
		if m := reportedRequest.FindStringSubmatch(sc.Text()); m != nil {
			out = append(out, m[1]+": "+m[2])
		}
	}
	return out
}

// TestLocalShopCatchesDriftedService plants a fault: in side b the cart
// service runs with CURRENCY=USD (its services file's env overrides the
// task definition's EUR). `ecsplit-local compare` must exit 1 and report
// exactly the cart requests whose answer shows a price, as body
// differences, and nothing else.
func TestLocalShopCatchesDriftedService(t *testing.T) {
	parallel(t)
	code, report := compareCommand(t, "-a-assembly", synthShop(t, "monolith"), "-b-assembly", synthShop(t, "cart:100"),
		"-services", shopServices, "-b-services", filepath.Join("testdata", "shop", "services-drifted-cart.json"), "-corpus", shopCorpus)
	want := []string{
		"GET /shop/cart: body",
		"GET /shop/cart?coupon=none: body",
		"GET /shop/cart/items/1: body",
		"GET /shop/cart/items/2: body",
	}
	if got := reported(report); code != 1 || !slices.Equal(got, want) || !strings.HasSuffix(report, "\n21 requests, 4 differ\n") {
		t.Errorf("exit %d, reported %q\nwant exit 1 and exactly %q", code, got, want)
	}
	if !strings.Contains(report, `"price":"4.50 EUR"`) || !strings.Contains(report, `"price":"4.50 USD"`) {
		t.Errorf("the report's body excerpts do not show the drifted price:\n%s", report)
	}
}
