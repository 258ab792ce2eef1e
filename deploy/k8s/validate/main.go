// Command validate checks the Kubernetes manifests of deploy/k8s offline:
// it runs `kustomize build` in-process, decodes every object strictly into
// its Kubernetes type (an unknown or misspelt field is an error), and
// applies webexpipe's own rules (see checks.go). It is a module of its own
// so that the product's go.mod does not carry Kubernetes' dependencies.
//
//	go run . ../           (from deploy/k8s/validate; `make validate-deploy`)
package main

import (
	"fmt"
	"os"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: validate <kustomization directory>")
		return 2
	}
	objs, err := Build(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "validate: %v\n", err)
		return 1
	}
	problems := Check(objs)
	for _, p := range problems {
		fmt.Fprintf(os.Stderr, "validate: %s\n", p)
	}
	if len(problems) > 0 {
		return 1
	}
	fmt.Printf("validate: %d objects in %s are valid\n", len(objs), args[0])
	return 0
}
