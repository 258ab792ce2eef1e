// Package nginx_test runs Debian's nginx with webexpipe.conf in front of a
// real ingest: a signed webhook gets through with its signature intact, and
// what the proxy should stop (a wrong path or method, an oversized body)
// never reaches ingest. Without nginx on the machine the test is skipped,
// saying so; .ci/run installs it.
package nginx_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webexpipe/webexpipe/events"
	"github.com/webexpipe/webexpipe/events/localnats"
	"github.com/webexpipe/webexpipe/ingest"
)

func TestNginxInFrontOfIngest(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/nginx"); err != nil {
			t.Skip("nginx is not installed (apt-get install -y nginx); skipping the proxy test")
		}
	}
	_, nc, js := localnats.StartProvisioned(t)
	secret := []byte("nginx-test-secret")
	svc, err := ingest.New(ingest.Config{Secrets: [][]byte{secret}}, nc, js)
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewServer(svc.Handler())
	t.Cleanup(up.Close)
	upstream := strings.TrimPrefix(up.URL, "http://")

	dir := t.TempDir()
	writeCert(t, dir)
	httpsPort, httpPort := freePort(t), freePort(t)
	conf, err := os.ReadFile("webexpipe.conf")
	if err != nil {
		t.Fatal(err)
	}
	site := strings.NewReplacer(
		"ingest-1:8080", upstream,
		"ingest-2:8080", upstream,
		"/etc/nginx/tls", dir,
		"listen 443 ssl", fmt.Sprintf("listen 127.0.0.1:%d ssl", httpsPort),
		"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", httpPort),
	).Replace(string(conf))
	main := fmt.Sprintf(`daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
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
	os.WriteFile(filepath.Join(dir, "site.conf"), []byte(site), 0o600)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o600)
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "nginx.conf"), "-p", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx:\n%s\n%s", stderr.String(), log)
		}
	})

	base := fmt.Sprintf("https://127.0.0.1:%d", httpsPort)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test's own throwaway certificate
	}}
	body := []byte(`{"id":"wh","resource":"messages","event":"created","data":{"id":"via-nginx","roomId":"r"}}`)
	post := func(path string, b []byte) int {
		req, _ := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(events.SignatureHeader, events.Sign(secret, b))
		resp, err := client.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	deadline := time.Now().Add(10 * time.Second)
	for post("/webhooks/webex", body) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("a signed webhook did not get through nginx within 10s")
		}
		time.Sleep(50 * time.Millisecond) // nginx starting; bounded by the deadline
	}
	tests := []struct {
		name   string
		status int
		do     func() int
	}{
		{"wrong path", http.StatusNotFound, func() int { return post("/metrics", body) }},
		// The same delivery again, on the bot's own path: a duplicate.
		{"bot path", http.StatusOK, func() int { return post("/webhooks/webex/"+events.DefaultBot, body) }},
		{"not a bot id", http.StatusNotFound, func() int { return post("/webhooks/webex/Default", body) }},
		{"below a bot path", http.StatusNotFound, func() int { return post("/webhooks/webex/default/x", body) }},
		{"oversized body", http.StatusRequestEntityTooLarge, func() int { return post("/webhooks/webex", bytes.Repeat([]byte("x"), 1100<<10)) }},
		{"GET", http.StatusForbidden, func() int {
			resp, err := client.Get(base + "/webhooks/webex")
			if err != nil {
				return 0
			}
			resp.Body.Close()
			return resp.StatusCode
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.do(); got != tt.status {
				t.Errorf("status %d, want %d from nginx", got, tt.status)
			}
		})
	}
	s, err := js.Stream(t.Context(), events.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("stream holds %d events, want only the one signed webhook", info.State.Msgs)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// writeCert writes a throwaway self-signed certificate as tls.crt/tls.key.
func writeCert(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "bot.example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"bot.example.com"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
}
