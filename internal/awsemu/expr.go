package awsemu

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// An expression of CloudWatch metric math, as an alarm's Metrics use it:
// numbers, the ids of other queries, arithmetic (+ - * / ^), comparisons
// (== != < <= > >=), AND (&&) and OR (||), parentheses, arrays ([a, b])
// and the functions IF, FILL, MAX, MIN, SUM, AVG and ABS. It is evaluated
// over the periods of an alarm's evaluation range, each a datapoint or
// none (a series): like CloudWatch, an operation has a datapoint only
// where all its operands have one.

// point is a series' datapoint in one period; ok is false when there is
// none.
type point struct {
	v  float64
	ok bool
}

// series holds one point per period of an evaluation range.
type series []point

// node is a parsed expression.
type node interface {
	eval(vars func(id string) (series, error), n int) (series, error)
}

type (
	number float64
	ident  string
	// keyword is REPEAT or LINEAR, FILL's other ways to fill.
	keyword string
	unary   struct{ x node }
	binary  struct {
		op   string
		x, y node
	}
	call struct {
		fn   string
		args []node
	}
	array []node
)

// parseExpr parses an expression.
func parseExpr(s string) (node, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at the end", p.toks[p.pos])
	}
	return n, nil
}

// refs returns the ids an expression refers to.
func refs(n node) []string {
	var out []string
	var walk func(node)
	walk = func(n node) {
		switch x := n.(type) {
		case ident:
			out = append(out, string(x))
		case unary:
			walk(x.x)
		case binary:
			walk(x.x)
			walk(x.y)
		case call:
			for _, a := range x.args {
				walk(a)
			}
		case array:
			for _, a := range x {
				walk(a)
			}
		}
	}
	walk(n)
	return out
}

// tokenize splits an expression into numbers, names, operators and
// punctuation.
func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c >= '0' && c <= '9' || c == '.':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' ||
				(s[j] == 'e' || s[j] == 'E') && j+1 < len(s) ||
				(s[j] == '+' || s[j] == '-') && (s[j-1] == 'e' || s[j-1] == 'E')) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		case c == '_' || unicode.IsLetter(c):
			j := i
			for j < len(s) && (s[j] == '_' || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			if i+1 < len(s) && slices.Contains([]string{"==", "!=", "<=", ">=", "&&", "||"}, s[i:i+2]) {
				toks = append(toks, s[i:i+2])
				i += 2
				continue
			}
			if !strings.ContainsRune("+-*/^<>()[],", c) {
				return nil, fmt.Errorf("unexpected %q", c)
			}
			toks = append(toks, string(c))
			i++
		}
	}
	return toks, nil
}

// parser reads tokens by precedence, lowest first: OR, AND, comparisons,
// + -, * /, unary -, ^.
type parser struct {
	toks []string
	pos  int
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) expect(tok string) error {
	if p.peek() != tok {
		if p.peek() == "" {
			return fmt.Errorf("want %q, got the end", tok)
		}
		return fmt.Errorf("want %q, got %q", tok, p.peek())
	}
	p.pos++
	return nil
}

// binaryLevel parses operands joined by the operators ops (and their
// aliases), left to right.
func (p *parser) binaryLevel(next func() (node, error), ops map[string]string) (node, error) {
	x, err := next()
	if err != nil {
		return nil, err
	}
	for {
		op, ok := ops[p.peek()]
		if !ok {
			return x, nil
		}
		p.pos++
		y, err := next()
		if err != nil {
			return nil, err
		}
		x = binary{op, x, y}
	}
}

func (p *parser) or() (node, error) {
	return p.binaryLevel(p.and, map[string]string{"OR": "||", "||": "||"})
}

func (p *parser) and() (node, error) {
	return p.binaryLevel(p.comparison, map[string]string{"AND": "&&", "&&": "&&"})
}

func (p *parser) comparison() (node, error) {
	return p.binaryLevel(p.additive, map[string]string{"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="})
}

func (p *parser) additive() (node, error) {
	return p.binaryLevel(p.multiplicative, map[string]string{"+": "+", "-": "-"})
}

func (p *parser) multiplicative() (node, error) {
	return p.binaryLevel(p.unary, map[string]string{"*": "*", "/": "/"})
}

func (p *parser) unary() (node, error) {
	if p.peek() == "-" {
		p.pos++
		x, err := p.unary()
		return unary{x}, err
	}
	return p.power()
}

func (p *parser) power() (node, error) {
	x, err := p.primary()
	if err != nil || p.peek() != "^" {
		return x, err
	}
	p.pos++
	y, err := p.unary() // right associative
	return binary{"^", x, y}, err
}

func (p *parser) primary() (node, error) {
	tok := p.peek()
	p.pos++
	switch {
	case tok == "":
		return nil, fmt.Errorf("unexpected end")
	case tok == "(":
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		return x, p.expect(")")
	case tok == "[":
		items, err := p.list("]")
		return array(items), err
	case tok[0] >= '0' && tok[0] <= '9' || tok[0] == '.':
		v, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", tok)
		}
		return number(v), nil
	case tok[0] == '_' || unicode.IsLetter(rune(tok[0])):
		if p.peek() == "(" {
			p.pos++
			args, err := p.list(")")
			if err != nil {
				return nil, err
			}
			return newCall(tok, args)
		}
		if tok == "REPEAT" || tok == "LINEAR" {
			return keyword(tok), nil
		}
		return ident(tok), nil
	}
	return nil, fmt.Errorf("unexpected %q", tok)
}

// list parses expressions separated by commas up to end.
func (p *parser) list(end string) ([]node, error) {
	var items []node
	if p.peek() == end {
		p.pos++
		return items, nil
	}
	for {
		x, err := p.or()
		if err != nil {
			return nil, err
		}
		items = append(items, x)
		if p.peek() != "," {
			return items, p.expect(end)
		}
		p.pos++
	}
}

// newCall checks a function's name and arguments.
func newCall(fn string, args []node) (node, error) {
	bad := func(want string) (node, error) {
		return nil, fmt.Errorf("%s takes %s, got %d arguments", fn, want, len(args))
	}
	switch fn {
	case "IF":
		if len(args) != 2 && len(args) != 3 {
			return bad("a condition, a value and an optional value")
		}
	case "FILL":
		if len(args) != 2 {
			return bad("a series and a value, REPEAT or LINEAR")
		}
	case "ABS":
		if len(args) != 1 {
			return bad("one series")
		}
	case "MAX", "MIN", "SUM", "AVG":
		if len(args) == 0 {
			return bad("a series, or an array of series")
		}
	default:
		return nil, fmt.Errorf("function %s is not emulated (IF, FILL, MAX, MIN, SUM, AVG and ABS are)", fn)
	}
	for i, a := range args {
		if _, ok := a.(keyword); ok && (fn != "FILL" || i != 1) {
			return nil, fmt.Errorf("%s is an argument of FILL only", a)
		}
		if _, ok := a.(array); ok && (fn == "IF" || fn == "FILL" || fn == "ABS") {
			return nil, fmt.Errorf("%s takes no array", fn)
		}
	}
	return call{fn, args}, nil
}

func (x number) eval(_ func(string) (series, error), n int) (series, error) {
	s := make(series, n)
	for i := range s {
		s[i] = point{float64(x), true}
	}
	return s, nil
}

func (x ident) eval(vars func(string) (series, error), _ int) (series, error) {
	return vars(string(x))
}

func (x keyword) eval(func(string) (series, error), int) (series, error) {
	return nil, fmt.Errorf("%s is an argument of FILL only", string(x))
}

func (x array) eval(func(string) (series, error), int) (series, error) {
	return nil, fmt.Errorf("an array is an argument of MAX, MIN, SUM or AVG only")
}

func (x unary) eval(vars func(string) (series, error), n int) (series, error) {
	s, err := x.x.eval(vars, n)
	if err != nil {
		return nil, err
	}
	out := make(series, len(s))
	for i, p := range s {
		out[i] = point{-p.v, p.ok}
	}
	return out, nil
}

func (x binary) eval(vars func(string) (series, error), n int) (series, error) {
	a, err := x.x.eval(vars, n)
	if err != nil {
		return nil, err
	}
	b, err := x.y.eval(vars, n)
	if err != nil {
		return nil, err
	}
	out := make(series, n)
	for i := range out {
		if a[i].ok && b[i].ok {
			out[i] = apply(x.op, a[i].v, b[i].v)
		}
	}
	return out, nil
}

// apply applies a binary operator; a division by zero has no datapoint.
func apply(op string, a, b float64) point {
	truth := func(c bool) point {
		if c {
			return point{1, true}
		}
		return point{0, true}
	}
	switch op {
	case "+":
		return point{a + b, true}
	case "-":
		return point{a - b, true}
	case "*":
		return point{a * b, true}
	case "/":
		if b == 0 {
			return point{}
		}
		return point{a / b, true}
	case "^":
		return point{math.Pow(a, b), true}
	case "==":
		return truth(a == b)
	case "!=":
		return truth(a != b)
	case "<":
		return truth(a < b)
	case "<=":
		return truth(a <= b)
	case ">":
		return truth(a > b)
	case ">=":
		return truth(a >= b)
	case "&&":
		return truth(a != 0 && b != 0)
	case "||":
		return truth(a != 0 || b != 0)
	}
	panic("unknown operator " + op)
}

func (x call) eval(vars func(string) (series, error), n int) (series, error) {
	if kw, ok := x.args[len(x.args)-1].(keyword); ok { // FILL(s, REPEAT|LINEAR)
		s, err := x.args[0].eval(vars, n)
		if err != nil {
			return nil, err
		}
		return fillBy(s, kw), nil
	}
	var args []series
	for _, a := range x.args {
		items := []node{a}
		if arr, ok := a.(array); ok {
			items = arr
		}
		for _, item := range items {
			s, err := item.eval(vars, n)
			if err != nil {
				return nil, err
			}
			args = append(args, s)
		}
	}
	out := make(series, n)
	switch x.fn {
	case "IF":
		for i, c := range args[0] {
			switch {
			case !c.ok:
			case c.v != 0:
				out[i] = args[1][i]
			case len(args) == 3:
				out[i] = args[2][i]
			}
		}
	case "FILL":
		for i, p := range args[0] {
			if !p.ok {
				p = args[1][i]
			}
			out[i] = p
		}
	case "ABS":
		for i, p := range args[0] {
			out[i] = point{math.Abs(p.v), p.ok}
		}
	default: // MAX, MIN, SUM, AVG
		_, isArray := x.args[0].(array)
		if len(x.args) == 1 && !isArray {
			// Of one series: one value, over the evaluation range.
			v, ok := aggregate(x.fn, args[0])
			for i := range out {
				out[i] = point{v, ok}
			}
			return out, nil
		}
		// Of several: one value per period, across them.
		for i := range out {
			var across series
			for _, s := range args {
				across = append(across, s[i])
			}
			v, ok := aggregate(x.fn, across)
			out[i] = point{v, ok}
		}
	}
	return out, nil
}

// aggregate returns the MAX, MIN, SUM or AVG of the datapoints of s, and
// false when it has none.
func aggregate(fn string, s series) (float64, bool) {
	var vs []float64
	for _, p := range s {
		if p.ok {
			vs = append(vs, p.v)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	switch fn {
	case "MAX":
		return slices.Max(vs), true
	case "MIN":
		return slices.Min(vs), true
	case "SUM":
		return sum(vs), true
	}
	return sum(vs) / float64(len(vs)), true
}

// fillBy fills the periods without a datapoint with the last datapoint
// before (REPEAT), or with a straight line between the datapoints around
// them (LINEAR); a period with no datapoint before it (or, for LINEAR,
// after it) keeps none.
func fillBy(s series, kw keyword) series {
	out := slices.Clone(s)
	last := -1
	for i, p := range s {
		if !p.ok {
			continue
		}
		if last >= 0 && i-last > 1 {
			for j := last + 1; j < i; j++ {
				v := s[last].v
				if kw == "LINEAR" {
					v += (p.v - s[last].v) * float64(j-last) / float64(i-last)
				}
				out[j] = point{v, true}
			}
		}
		last = i
	}
	if kw == "REPEAT" && last >= 0 {
		for j := last + 1; j < len(s); j++ {
			out[j] = point{s[last].v, true}
		}
	}
	return out
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}
