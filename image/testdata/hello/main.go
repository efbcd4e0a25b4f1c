// Command hello is a tiny static program that stands in for the bootstrap in image tests.
package main

import "fmt"

func main() { fmt.Println("hello") }
