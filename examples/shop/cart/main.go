// Command cart is the tiny shop's cart, split out of legacy.
package main

import "example.com/shop/shop"

func main() { shop.Main("cart", shop.Cart) }
