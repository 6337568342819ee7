// Package shop is the tiny second app of ecsplit's tests: a shop whose
// legacy service answers every /shop path, and whose cart service, split
// out of it, answers /shop/cart and below with the same code. Prices are
// shown in $CURRENCY, which the task definition sets. Like a team's own
// services, they do not say which of them answered: the local front door
// does (X-Ecsplit-Local-Service).
package shop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Item is an article of the shop's catalog.
type Item struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Price string `json:"price"`
}

// items are the catalog, with prices in cents.
var items = []struct {
	name  string
	cents int
}{{"tea", 450}, {"cup", 1200}, {"kettle", 3990}}

// cart is the demo cart: item ids.
var cart = []int{1, 2, 2}

func price(cents int) string {
	return fmt.Sprintf("%d.%02d %s", cents/100, cents%100, os.Getenv("CURRENCY"))
}

func item(id int) (Item, bool) {
	if id < 1 || id > len(items) {
		return Item{}, false
	}
	it := items[id-1]
	return Item{ID: id, Name: it.name, Price: price(it.cents)}, true
}

// Catalog answers /shop, /shop/items and /shop/items/{id}. Other paths
// and methods get the ServeMux's 404 and 405.
func Catalog(mux *http.ServeMux) {
	mux.HandleFunc("GET /shop", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, map[string]any{"shop": "tiny", "items": len(items)})
	})
	mux.HandleFunc("GET /shop/items", func(w http.ResponseWriter, r *http.Request) {
		var all []Item
		for id := range items {
			it, _ := item(id + 1)
			all = append(all, it)
		}
		reply(w, http.StatusOK, all)
	})
	mux.HandleFunc("GET /shop/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		byID(w, r.PathValue("id"))
	})
}

// Cart answers /shop/cart and /shop/cart/items/{id}.
func Cart(mux *http.ServeMux) {
	mux.HandleFunc("GET /shop/cart", func(w http.ResponseWriter, r *http.Request) {
		lines, total := []Item{}, 0
		for _, id := range cart {
			it, _ := item(id)
			lines = append(lines, it)
			total += items[id-1].cents
		}
		reply(w, http.StatusOK, map[string]any{"items": lines, "total": price(total)})
	})
	mux.HandleFunc("GET /shop/cart/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.Atoi(r.PathValue("id"))
		for _, c := range cart {
			if err == nil && c == id {
				byID(w, r.PathValue("id"))
				return
			}
		}
		reply(w, http.StatusNotFound, map[string]string{"error": "not in the cart"})
	})
}

func byID(w http.ResponseWriter, s string) {
	id, err := strconv.Atoi(s)
	it, ok := item(id)
	if err != nil || !ok || strconv.Itoa(id) != s {
		reply(w, http.StatusNotFound, map[string]string{"error": "no such item"})
		return
	}
	reply(w, http.StatusOK, it)
}

func reply(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// Main runs service name with the routes of parts (Catalog, Cart) and
// exits 1 on an error.
func Main(name string, parts ...func(*http.ServeMux)) {
	mux := http.NewServeMux()
	for _, add := range parts {
		add(mux)
	}
	if err := serve(name, mux); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// serve serves mux as service name on $HOST:$PORT, with the health check
// /healthz (the microservice construct's default), until SIGTERM, then
// drains the requests in flight for up to five seconds and returns.
func serve(name string, mux *http.ServeMux) error {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", net.JoinHostPort(os.Getenv("HOST"), os.Getenv("PORT")))
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s listening on %s\n", name, ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	drained := make(chan error, 1)
	go func() {
		<-ctx.Done()
		drain, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		drained <- srv.Shutdown(drain)
	}()
	// Serve returns as soon as Shutdown starts; the answers in flight end
	// when Shutdown returns.
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-drained
}
