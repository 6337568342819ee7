// Command legacy is the tiny shop's monolith: the catalog and the cart.
package main

import "example.com/shop/shop"

func main() { shop.Main("legacy", shop.Catalog, shop.Cart) }
