package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"xmpprest/cmd/internal/config"
	"xmpprest/cmd/internal/daemon"
)

// serveFlag makes this binary run xmpprest itself (the daemon package, as
// cmd/xmpprest does) with a CPU profile written to the file named by
// profileEnv: what -profile starts in place of the xmpprest binary.
const (
	serveFlag  = "-serve-profiled"
	profileEnv = "BENCH_XMPPREST_CPUPROFILE" // not XMPPREST_*: the config refuses unknown ones
)

// serveProfiled runs xmpprest with the configuration at path until SIGTERM,
// profiling its CPU.
func serveProfiled(path string) error {
	cfg, err := config.Load(path, os.Environ())
	if err != nil {
		return err
	}
	var level slog.Level
	level.UnmarshalText([]byte(cfg.Log.Level))
	logs := daemon.NewLogBuffer(os.Stderr, daemon.LogFlushDelay) // as cmd/xmpprest
	defer logs.Close()
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	if out := os.Getenv(profileEnv); out != "" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start the CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return daemon.Run(ctx, cfg, log)
}
