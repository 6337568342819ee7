package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/ecsplit/ecsplit/internal/probe"
)

// contextFlags collects repeated KEY=VALUE context flags, like cdk synth -c.
type contextFlags map[string]string

// String shows the context, for flag defaults.
func (c contextFlags) String() string { return fmt.Sprint(map[string]string(c)) }

// Set adds one KEY=VALUE; the value may hold commas and '=' signs.
func (c contextFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	c[k] = v
	return nil
}

// headerFlags collects repeated "Name: value" request header flags.
type headerFlags http.Header

// String shows the headers, for flag defaults.
func (h headerFlags) String() string { return fmt.Sprint(http.Header(h)) }

// Set adds one "Name: value" header.
func (h headerFlags) Set(s string) error {
	name, value, err := probe.ParseHeader(s)
	if err != nil {
		return err
	}
	http.Header(h).Add(name, value)
	return nil
}

// listFlag is a comma-separated list.
type listFlag []string

// String joins the list with commas.
func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set replaces the list with the comma-separated items of s; "" is the
// empty list.
func (l *listFlag) Set(s string) error {
	*l = []string{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}
