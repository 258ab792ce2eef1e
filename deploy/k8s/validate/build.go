package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// Object is one built object, decoded into its Kubernetes type.
type Object struct {
	Kind, Name string
	Value      any // a pointer to the k8s.io/api type of Kind
}

func (o Object) String() string { return o.Kind + "/" + o.Name }

// Build runs kustomize on dir and decodes what it produces. The files the
// secret generators read (secrets/ is never committed) are stood in for
// when missing, so the build works on a fresh checkout.
func Build(dir string) ([]Object, error) {
	mem, err := copyToMemory(dir)
	if err != nil {
		return nil, err
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(mem, "/k")
	if err != nil {
		return nil, fmt.Errorf("kustomize build: %w", err)
	}
	var out []Object
	var errs []error
	for _, r := range res.Resources() {
		b, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		o, err := decode(r.GetKind(), r.GetApiVersion(), b)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s/%s: %w", r.GetKind(), r.GetName(), err))
			continue
		}
		o.Name = r.GetName()
		out = append(out, o)
	}
	return out, errors.Join(errs...)
}

// decode strictly unmarshals b into the type registered for kind.
func decode(kind, apiVersion string, b []byte) (Object, error) {
	newObj, ok := types[apiVersion+" "+kind]
	if !ok {
		return Object{}, fmt.Errorf("%s %s: a kind this validator does not know", apiVersion, kind)
	}
	v := newObj()
	if err := yaml.UnmarshalStrict(b, v); err != nil {
		return Object{}, err
	}
	return Object{Kind: kind, Value: v}, nil
}

// copyToMemory copies dir's files into an in-memory tree at /k, adding a
// placeholder for every secrets/ file the kustomization names but the
// directory lacks.
func copyToMemory(dir string) (filesys.FileSystem, error) {
	mem := filesys.MakeFsInMemory()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			if rel == "validate" {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return mem.WriteFile(filepath.Join("/k", rel), b)
	})
	if err != nil {
		return nil, err
	}
	kust, err := mem.ReadFile("/k/kustomization.yaml")
	if err != nil {
		return nil, fmt.Errorf("no kustomization.yaml in %s: %w", dir, err)
	}
	for _, line := range strings.Split(string(kust), "\n") {
		i := strings.Index(line, "=secrets/")
		if i < 0 {
			continue
		}
		p := filepath.Join("/k", strings.TrimSpace(line[i+1:]))
		if !mem.Exists(p) {
			if err := mem.WriteFile(p, []byte("placeholder-for-validation")); err != nil {
				return nil, err
			}
		}
	}
	return mem, nil
}
