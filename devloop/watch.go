package devloop

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// overflowPath stands for the changes the watcher lost when the kernel's
// event queue overflowed: it makes a rebuild, as any change does.
const overflowPath = "(files the watcher lost track of)"

// watcher watches the directories of a module tree with fsnotify (inotify
// on Linux: no polling, no CPU while nothing changes) and reports the
// changed files that can change the module's binaries. Directories that
// appear are watched as they appear, with the files already in them.
type watcher struct {
	fs     *fsnotify.Watcher
	root   string
	dirs   map[string]bool // watched directories, relative to root
	embeds map[string]bool // files that packages embed, relative to root
}

// newWatcher watches root and every directory below it that skipDir keeps.
func newWatcher(root string) (*watcher, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	w := &watcher{fs: fw, root: root, dirs: map[string]bool{}, embeds: map[string]bool{}}
	if _, err := w.addTree("."); err != nil {
		_ = fw.Close()
		return nil, err
	}
	return w, nil
}

// Close stops watching.
func (w *watcher) Close() error { return w.fs.Close() }

// addTree watches the directory rel and the directories below it that
// skipDir keeps, and returns the relevant files already in them.
func (w *watcher) addTree(rel string) ([]string, error) {
	var found []string
	start := filepath.Join(w.root, filepath.FromSlash(rel))
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == start {
				return err
			}
			return nil // gone since it was listed
		}
		r := w.rel(p)
		if !d.IsDir() {
			if relevant(r, w.embeds) {
				found = append(found, r)
			}
			return nil
		}
		_, statErr := os.Stat(filepath.Join(p, "go.mod"))
		if skipDir(r, r != "." && statErr == nil) {
			return filepath.SkipDir
		}
		if err := w.fs.Add(p); err != nil {
			return fmt.Errorf("watch %s: %w", r, err)
		}
		w.dirs[r] = true
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("watch %s: %w", rel, err)
	}
	return found, nil
}

// rel returns path p relative to the root, slash-separated.
func (w *watcher) rel(p string) string {
	r, err := filepath.Rel(w.root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// run sends the relevant changed files to changed until ctx ends. The
// embedded files, known once `go list` has answered, arrive on embeds.
// Errors of the watcher go to report.
func (w *watcher) run(ctx context.Context, embeds <-chan []string, changed chan<- string, report func(error)) {
	send := func(p string) bool {
		select {
		case changed <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case files := <-embeds:
			for _, f := range files {
				w.embeds[f] = true
			}
			embeds = nil
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			for _, p := range w.handle(ev, report) {
				if !send(p) {
					return
				}
			}
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				if !send(overflowPath) {
					return
				}
				continue
			}
			report(err)
		}
	}
}

// handle returns the relevant files that ev changed: the file itself, the
// files of a directory that appeared (now watched too), or a watched
// directory that went away.
func (w *watcher) handle(ev fsnotify.Event, report func(error)) []string {
	if ev.Op == fsnotify.Chmod { // go build reads contents, not modes
		return nil
	}
	r := w.rel(ev.Name)
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		if w.dirs[r] {
			for d := range w.dirs {
				if d == r || len(d) > len(r) && d[:len(r)+1] == r+"/" {
					delete(w.dirs, d)
				}
			}
			return []string{r + "/"}
		}
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Stat(ev.Name); err == nil && fi.IsDir() {
			found, err := w.addTree(r)
			if err != nil {
				report(err)
			}
			return found
		}
	}
	if relevant(r, w.embeds) {
		return []string{r}
	}
	return nil
}
