package xmppserver

import (
	"embed"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// configData is what the config templates see.
type configData struct {
	*Server
	PidFile, DataDir, CertDir string
	C2SPort, ComponentPort    int
	HTTPPort                  int      // 0 when there is no HTTP listener
	FileSharePort             int      // the upload service's HTTP listener
	Modules                   []string // Prosody global modules
	PluginPaths               []string // Prosody module directories
	MUCRights                 bool     // the component administers the chat services
	AdminRights               bool     // the component is an admin and a privileged entity
	WithoutUpload             bool     // no XEP-0363 service
}

func newConfigData(s *Server) configData {
	return configData{
		Server:        s,
		PidFile:       filepath.Join(s.Dir, string(s.Kind)+".pid"),
		DataDir:       s.dataDir(),
		CertDir:       s.certDir(),
		C2SPort:       port(s.C2SAddr),
		ComponentPort: port(s.ComponentAddr),
		HTTPPort:      port(s.HTTPAPIAddr),
		FileSharePort: port(s.FileShareAddr),
		MUCRights:     !s.opts.WithoutMUCRights,
		AdminRights:   !s.opts.WithoutAdminRights,
		WithoutUpload: s.opts.WithoutUpload,
	}
}

func port(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// writeConfig renders templates/name into path.
func writeConfig(name, path string, data configData) error {
	t, err := template.New(name).Funcs(template.FuncMap{
		// lua quotes a Lua string; Go's escapes are valid in Lua 5.2+.
		"lua": strconv.Quote,
		// yaml quotes a YAML string; JSON strings are YAML flow scalars.
		"yaml": func(s string) (string, error) {
			b, err := json.Marshal(s)
			return string(b), err
		},
		"certFile": func(host string) string {
			return filepath.Join(data.CertDir, host+".pem")
		},
	}).ParseFS(templateFS, "templates/"+name)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	if err := t.Execute(f, data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
