package forum

import (
	"encoding/json"
	"testing"
)

// seed is the seed data decoded independently of the handlers.
type seed struct {
	users   []User
	threads []Thread
	posts   []Post
}

func loadSeed(t testing.TB) seed {
	t.Helper()
	var s seed
	for _, f := range []struct {
		name string
		data []byte
		v    any
	}{
		{"users.json", usersJSON, &s.users},
		{"threads.json", threadsJSON, &s.threads},
		{"posts.json", postsJSON, &s.posts},
	} {
		if err := json.Unmarshal(f.data, f.v); err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
	}
	return s
}

func TestSeedIntegrity(t *testing.T) {
	s := loadSeed(t)
	const few = 36 // "a few dozen"
	if len(s.users) < few || len(s.threads) < few || len(s.posts) < few {
		t.Fatalf("seed has %d users, %d threads, %d posts; want at least %d of each",
			len(s.users), len(s.threads), len(s.posts), few)
	}
	users := make(map[int64]bool)
	usernames := make(map[string]bool)
	for _, u := range s.users {
		if u.ID < 1 || users[u.ID] {
			t.Errorf("user id %d is not positive or not unique", u.ID)
		}
		if u.Username == "" || usernames[u.Username] || u.Name == "" || u.Bio == "" {
			t.Errorf("user %d: empty field or duplicate username: %+v", u.ID, u)
		}
		users[u.ID], usernames[u.Username] = true, true
	}
	threads := make(map[int64]bool)
	for _, th := range s.threads {
		if th.ID < 1 || threads[th.ID] {
			t.Errorf("thread id %d is not positive or not unique", th.ID)
		}
		if th.Title == "" {
			t.Errorf("thread %d has no title", th.ID)
		}
		if !users[th.CreatedBy] {
			t.Errorf("thread %d: createdBy %d is no user", th.ID, th.CreatedBy)
		}
		threads[th.ID] = true
	}
	postsByUser := make(map[int64]int)
	postsInThread := make(map[int64]int)
	for i, p := range s.posts {
		if !threads[p.Thread] {
			t.Errorf("post %d: thread %d is no thread", i, p.Thread)
		}
		if !users[p.User] {
			t.Errorf("post %d: user %d is no user", i, p.User)
		}
		if p.Text == "" {
			t.Errorf("post %d has no text", i)
		}
		postsByUser[p.User]++
		postsInThread[p.Thread]++
	}
	// The empty-list cases of the API need a user and a thread without posts.
	if len(postsByUser) == len(users) {
		t.Error("every user has posts; want one without, for the [] case")
	}
	if len(postsInThread) == len(threads) {
		t.Error("every thread has posts; want one without, for the [] case")
	}
}
