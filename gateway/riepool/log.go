package riepool

import (
	"bufio"
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// lineLogger logs each line a process writes at debug level, with its pid.
type lineLogger struct {
	mu  sync.Mutex
	log *slog.Logger
	pid int // of the process writing now
	buf []byte
}

// Write implements io.Writer.
func (l *lineLogger) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.emit(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) > bufio.MaxScanTokenSize { // a very long line: log it in pieces
		l.emit(l.buf)
		l.buf = nil
	}
	return len(b), nil
}

// started sets the pid logged with the lines from now on.
func (l *lineLogger) started(pid int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pid = pid
}

// exited logs a final unterminated line.
func (l *lineLogger) exited() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.emit(l.buf)
		l.buf = nil
	}
}

func (l *lineLogger) emit(line []byte) {
	if s := strings.TrimRight(string(line), "\r"); s != "" {
		l.log.Debug(s, "pid", l.pid)
	}
}
