package ramp

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParsePlan(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Plan
		text string // String of the result
	}{
		{"", Plan{}, ""},
		{"5,25,50:5m", Plan{[]int{5, 25, 50}, 5 * time.Minute}, "5,25,50:5m"},
		{"10,50", Plan{[]int{10, 50}, DefaultBake}, "10,50:5m"},
		{"10, 50 : 90s", Plan{[]int{10, 50}, 90 * time.Second}, "10,50:1m30s"},
		{"1,99:1m", Plan{[]int{1, 99}, time.Minute}, "1,99:1m"},
		{"25:50m", Plan{[]int{25}, 50 * time.Minute}, "25:50m"},
		{"10,20,30,40,50:10m", Plan{[]int{10, 20, 30, 40, 50}, 10 * time.Minute}, "10,20,30,40,50:10m"},
	} {
		got, err := ParsePlan(c.in)
		if err != nil {
			t.Errorf("ParsePlan(%q): %v", c.in, err)
			continue
		}
		if !slices.Equal(got.Steps, c.want.Steps) || got.Bake != c.want.Bake {
			t.Errorf("ParsePlan(%q) = %+v, want %+v", c.in, got, c.want)
		}
		if s := got.String(); s != c.text {
			t.Errorf("ParsePlan(%q).String() = %q, want %q", c.in, s, c.text)
		}
		back, err := ParsePlan(got.String())
		if err != nil || !slices.Equal(back.Steps, got.Steps) || back.Bake != got.Bake {
			t.Errorf("ParsePlan(%q) does not round-trip: %+v, %v", got.String(), back, err)
		}
	}
}

func TestParsePlanErrors(t *testing.T) {
	for _, c := range []struct{ in, part string }{
		{"5,3:5m", "steps must increase (3 after 5)"},
		{"5,5", "steps must increase (5 after 5)"},
		{"0,50", "step 0 is out of range"},
		{"50,100", "step 100 is out of range"},
		{"-5", "step -5 is out of range"},
		{"5,x", `step "x" is not a whole percent`},
		{"5.5", `step "5.5" is not a whole percent`},
		{"5,,25", "an empty step"},
		{":5m", "no steps"},
		{"5:", "no bake after the colon"},
		{"5:5", `bake "5" is not a duration`},
		{"5:30s", "bake 30s is shorter than 1m"},
		{"5:1m0.5s", "bake 1m0.5s is not whole seconds"},
		{"10,20,30,40,50,60:10m", "6 steps of 10m bake for 1h, more than the 50m a ramp may take"},
	} {
		_, err := ParsePlan(c.in)
		if err == nil {
			t.Errorf("ParsePlan(%q) = nil error, want one about %q", c.in, c.part)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.part) {
			t.Errorf("ParsePlan(%q) = %q, want it to say %q", c.in, msg, c.part)
		}
		if !strings.HasPrefix(msg, fmt.Sprintf("ramp %q: ", c.in)) || !strings.HasSuffix(msg, planUsage) {
			t.Errorf("ParsePlan(%q) = %q, want the input first and the usage last", c.in, msg)
		}
		if strings.Contains(msg, "\n") {
			t.Errorf("ParsePlan(%q) = %q, want one line", c.in, msg)
		}
	}
}

func TestParsePlanErrorExample(t *testing.T) {
	_, err := ParsePlan("5,3:5m")
	want := `ramp "5,3:5m": steps must increase (3 after 5); use STEP[,STEP...][:BAKE], steps whole percents from 1 to 99 in increasing order, BAKE a duration from 1m to 50m (for example 5,25,50:5m)`
	if err == nil || err.Error() != want {
		t.Errorf("ParsePlan error = %v, want %s", err, want)
	}
}

func TestPlanCheck(t *testing.T) {
	for _, c := range []struct {
		p    Plan
		part string // "" for valid
	}{
		{Plan{[]int{5, 25, 50}, 5 * time.Minute}, ""},
		{Plan{[]int{10, 20, 30, 40, 50}, 10 * time.Minute}, ""},
		{Plan{}, "no steps"},
		{Plan{Steps: []int{10}}, "bake 0s is shorter than 1m"},
		{Plan{[]int{50, 10}, time.Minute}, "steps must increase (10 after 50)"},
		{Plan{[]int{10, 20, 30, 40, 50, 60}, 10 * time.Minute}, "6 steps of 10m bake for 1h, more than the 50m"},
	} {
		err := c.p.Check()
		switch {
		case c.part == "" && err != nil:
			t.Errorf("%+v.Check() = %v, want nil", c.p, err)
		case c.part != "" && (err == nil || !strings.Contains(err.Error(), c.part)):
			t.Errorf("%+v.Check() = %v, want an error saying %q", c.p, err, c.part)
		}
	}
}

func TestSchedule(t *testing.T) {
	p := Plan{[]int{10, 25, 50}, 5 * time.Minute}
	for _, c := range []struct {
		from, to int
		want     []int
		d        time.Duration
	}{
		{0, 100, []int{10, 25, 50, 100}, 15 * time.Minute},
		{10, 100, []int{25, 50, 100}, 10 * time.Minute},
		{0, 25, []int{10, 25}, 5 * time.Minute},
		{0, 30, []int{10, 25, 30}, 10 * time.Minute},
		{12, 20, []int{20}, 0},
		{50, 100, []int{100}, 0},
		{100, 0, []int{0}, 0},
		{50, 10, []int{10}, 0},
		{25, 25, []int{25}, 0},
	} {
		if got := p.Schedule(c.from, c.to); !slices.Equal(got, c.want) {
			t.Errorf("Schedule(%d, %d) = %v, want %v", c.from, c.to, got, c.want)
		}
		if got := p.Duration(c.from, c.to); got != c.d {
			t.Errorf("Duration(%d, %d) = %s, want %s", c.from, c.to, got, c.d)
		}
	}
	if got := (Plan{}).Schedule(0, 100); !slices.Equal(got, []int{100}) {
		t.Errorf("zero Plan Schedule(0, 100) = %v, want [100]", got)
	}
}

func ExampleParsePlan() {
	p, err := ParsePlan("10,25,50:5m")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Schedule(0, 100), p.Duration(0, 100))
	fmt.Println(p.Schedule(100, 0), p.Duration(100, 0))
	// Output:
	// [10 25 50 100] 15m0s
	// [0] 0s
}
