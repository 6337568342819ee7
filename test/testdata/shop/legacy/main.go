// Command legacy is the tiny shop's monolith: the catalog and the cart.
package main

import "github.com/ecsplit/ecsplit/test/testdata/shop/shop"

func main() { shop.Main("legacy", shop.Catalog, shop.Cart) }
