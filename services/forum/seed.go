package forum

import (
	"bytes"
	_ "embed" // for the seed data
	"encoding/json"
	"fmt"
)

// The seed data. Each file is read only by the constructor of its resource,
// so the linker leaves the files of unused resources out of a binary: a
// microservice holds only its own data.
var (
	//go:embed data/users.json
	usersJSON []byte
	//go:embed data/threads.json
	threadsJSON []byte
	//go:embed data/posts.json
	postsJSON []byte
)

// decode parses an embedded seed file strictly. The files are part of the
// source, so a failure is a programming error and panics.
func decode[T any](name string, data []byte) []T {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var v []T
	if err := dec.Decode(&v); err != nil {
		panic(fmt.Sprintf("forum: embedded seed data %s: %v", name, err))
	}
	return v
}
