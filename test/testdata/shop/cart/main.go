// Command cart is the tiny shop's cart, split out of legacy.
package main

import "github.com/ecsplit/ecsplit/test/testdata/shop/shop"

func main() { shop.Main("cart", shop.Cart) }
