package invalid

import "testing"

func TestFailNamesConstructPropValue(t *testing.T) {
	defer func() {
		got := recover()
		want := `ecsplit microservice "Users": Cpu: must be one of 256, 512, got 300`
		if got != want {
			t.Fatalf("panic = %v, want %q", got, want)
		}
	}()
	Construct{Kind: "microservice", ID: "Users"}.Fail("Cpu", "must be one of %s, got %d", "256, 512", 300)
	t.Fatal("Fail returned")
}
