//go:build cgo && linux

package ort

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

static void *clinlm_dlopen_global(const char *path) { return dlopen(path, RTLD_NOW | RTLD_GLOBAL); }
static const char *clinlm_dlerror(void) { return dlerror(); }
*/
import "C"

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"unsafe"
)

var sharedObject = regexp.MustCompile(`\.so(\.\d+)*$`)

// preloadLibraries loads every shared library in dir into the process with
// RTLD_GLOBAL, dependencies first. The CUDA provider then finds cublas,
// cudart, cuDNN... by their sonames among the libraries already loaded, so
// the CUDA 13 libraries that tools/ort/fetch_gpu.sh unpacks into
// .cache/ort/cuda work without LD_LIBRARY_PATH (which the loader reads only
// at process start). The libraries stay loaded for the life of the process.
// A missing dir is not an error: the loader's own path may have CUDA.
func preloadLibraries(dir string) (loaded int, err error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var pending []string
	for _, e := range entries {
		if !e.IsDir() && sharedObject.MatchString(e.Name()) {
			pending = append(pending, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(pending)
	// Without a dependency graph, retry the failures while each round loads
	// something: a library whose dependency was loaded later succeeds then.
	failures := map[string]string{}
	for len(pending) > 0 {
		var next []string
		for _, p := range pending {
			cp := C.CString(p)
			h := C.clinlm_dlopen_global(cp)
			C.free(unsafe.Pointer(cp))
			if h == nil {
				failures[p] = C.GoString(C.clinlm_dlerror())
				next = append(next, p)
				continue
			}
			delete(failures, p)
			loaded++
		}
		if len(next) == len(pending) {
			break
		}
		pending = next
	}
	if len(failures) > 0 {
		first := slices.Sorted(maps.Keys(failures))[0]
		return loaded, fmt.Errorf("%d of the libraries in %s do not load, e.g. %s", len(failures), dir, failures[first])
	}
	return loaded, nil
}
