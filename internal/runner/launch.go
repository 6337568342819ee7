package runner

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsplit/ecsplit/internal/albemu"
)

// Launch is how one container becomes a local process: the program, its
// directory and its environment, before the runner adds PORT and HOST.
// Stage.Launches resolves it.
type Launch struct {
	argv []string
	dir  string
	env  []string
	// signalExitOK accepts an exit by the runner's SIGTERM as a clean
	// stop: a command such as `go run` or a shell wrapper dies of it while
	// its service drains.
	signalExitOK bool
}

// launchFor says how to run container c: by its command in services when
// it has one, else by ecsplit's build.sh convention when its image is an
// asset built that way. Anything else is an error that says how to fix it,
// and so is a secret of the task definition that the services file does
// not give a local value.
func launchFor(ctx context.Context, c *albemu.Container, services Services, binDir string) (Launch, error) {
	if sc, ok := services[c.Name]; ok {
		if missing := missingSecrets(c, sc.Env); len(missing) > 0 {
			return Launch{}, fmt.Errorf("container %q takes %s from Secrets Manager or SSM, which the runner cannot read: give local values in its services file entry's env", c.Name, strings.Join(missing, ", "))
		}
		env := append(os.Environ(), envList(c.Env)...)
		env = append(env, envList(sc.Env)...)
		return Launch{argv: sc.Command, dir: sc.Dir, env: env, signalExitOK: true}, nil
	}
	hint := fmt.Sprintf("say how to run container %q in a services file (-services, see docs/local-runner.md)", c.Name)
	if len(c.Secrets) > 0 {
		return Launch{}, fmt.Errorf("container %q takes %s from Secrets Manager or SSM, which the runner cannot read: %s, with local values in its env", c.Name, strings.Join(c.Secrets, ", "), hint)
	}
	if c.Image.Asset == nil {
		return Launch{}, fmt.Errorf("container %q runs %s, not an image asset of the assembly, so the runner cannot build it: %s", c.Name, c.Image, hint)
	}
	prog, err := BuildProgram(c.Image.Asset)
	if err != nil {
		return Launch{}, fmt.Errorf("container %q: %w: %s", c.Name, err, hint)
	}
	bin, err := Build(ctx, c.Image.Asset, prog, binDir)
	if err != nil {
		return Launch{}, fmt.Errorf("container %q: %w", c.Name, err)
	}
	// Like the container: its environment only, no variable of this
	// shell but PATH.
	env := append([]string{"PATH=" + os.Getenv("PATH")}, envList(c.Env)...)
	return Launch{argv: []string{bin}, env: env}, nil
}

// missingSecrets lists the secrets of c that env gives no value.
func missingSecrets(c *albemu.Container, env map[string]string) []string {
	return slices.DeleteFunc(slices.Clone(c.Secrets), func(name string) bool {
		_, ok := env[name]
		return ok
	})
}

// envList turns an environment map into KEY=VALUE entries, in key order.
func envList(env map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(env) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// checkPort fails when the container would not listen where the load
// balancer sends: a container listens on $PORT, so a PORT in its task
// definition must be the container port of its target group.
func checkPort(c *albemu.Container, port int) error {
	if p, ok := c.Env["PORT"]; ok && p != strconv.Itoa(port) {
		return fmt.Errorf("container %s: the target group sends to container port %d, but its environment has PORT=%q, so the load balancer would reach nothing", c.Name, port, p)
	}
	return nil
}
