package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// nginxBinary finds Debian's nginx, or skips the test saying why.
func nginxBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"nginx", "/usr/sbin/nginx"} {
		if bin, err := exec.LookPath(p); err == nil {
			return bin
		}
	}
	t.Skip("nginx is not installed (apt-get install -y nginx-light; .ci/run does): the deployment test needs it in front of ingest")
	return ""
}

// startNginx runs nginx with the site the nginx service mounts, localized
// like every other service, inside a minimal main config (what the
// image's /etc/nginx/nginx.conf provides).
func (d *deployment) startNginx(bin string) *proc {
	d.t.Helper()
	site := d.localize("nginx", "/etc/nginx/conf.d/default.conf")
	raw, err := os.ReadFile(site)
	if err != nil {
		d.t.Fatal(err)
	}
	local := d.localize("nginx", string(raw),
		"listen 443 ssl", fmt.Sprintf("listen 127.0.0.1:%d ssl", d.port("nginx:443")),
		"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", d.port("nginx:80")))
	dir := d.volume("nginx-run")
	os.WriteFile(filepath.Join(dir, "site.conf"), []byte(local), 0o600)
	main := fmt.Sprintf(`daemon off;
pid %[1]s/nginx.pid;
error_log stderr;
events {}
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  include %[1]s/site.conf;
}
`, dir)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o600)
	p := startProc(d.t, "nginx", []string{bin, "-c", filepath.Join(dir, "nginx.conf"), "-p", dir}, nil)
	d.procs["nginx"] = p
	return p
}
