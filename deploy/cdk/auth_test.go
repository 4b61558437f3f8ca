package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestInitialKeyFunction runs the custom resource's Node handler against a
// stand-in for the AWS SDK: on Create it stores one kid:seed key in
// THEBRAIN_JWT_KEYS's form (a 32-byte seed, fresh each time); on Update
// and Delete it leaves the secret alone.
func TestInitialKeyFunction(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed (jsii needs it too):", err)
	}
	dir := t.TempDir()
	sdk := filepath.Join(dir, "node_modules", "@aws-sdk", "client-secrets-manager")
	if err := os.MkdirAll(sdk, 0o755); err != nil {
		t.Fatal(err)
	}
	fake := `
class PutSecretValueCommand { constructor(input) { this.input = input; } }
class SecretsManagerClient { async send(cmd) { (globalThis.sent ||= []).push(cmd.input); return {}; } }
module.exports = { SecretsManagerClient, PutSecretValueCommand };
`
	if err := os.WriteFile(filepath.Join(sdk, "index.js"), []byte(fake), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.js"), []byte(initialKeyJS), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
const { handler } = require('./index');
(async () => {
  const out = {};
  for (const type of ['Create', 'Create', 'Update', 'Delete']) {
    globalThis.sent = [];
    const res = await handler({ RequestType: type, PhysicalResourceId: 'arn:secret#initial-key', ResourceProperties: { SecretId: 'arn:secret' } });
    (out[type] ||= []).push({ res, sent: globalThis.sent });
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`
	cmd := exec.Command(node, "-e", script)
	cmd.Dir = dir
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	type call struct {
		Res  struct{ PhysicalResourceId string }
		Sent []struct{ SecretId, SecretString string }
	}
	var out map[string][]call
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	seeds := map[string]bool{}
	for _, c := range out["Create"] {
		if len(c.Sent) != 1 || c.Sent[0].SecretId != "arn:secret" {
			t.Fatalf("Create sent %+v", c.Sent)
		}
		v := c.Sent[0].SecretString
		kid, seed, ok := strings.Cut(v, ":")
		if !ok || !regexp.MustCompile(`^k\d{8}$`).MatchString(kid) || strings.Contains(seed, ",") {
			t.Errorf("Create stored %q, want kYYYYMMDD:base64-seed", "…"+v[len(v)-4:])
		}
		if b, err := base64.StdEncoding.DecodeString(seed); err != nil || len(b) != 32 {
			t.Errorf("the seed is not 32 bytes of base64 (%d bytes, %v)", len(b), err)
		}
		seeds[seed] = true
		if c.Res.PhysicalResourceId != "arn:secret#initial-key" {
			t.Errorf("Create answered physical ID %q", c.Res.PhysicalResourceId)
		}
	}
	if len(seeds) != 2 {
		t.Error("two creations made the same key")
	}
	for _, typ := range []string{"Update", "Delete"} {
		for _, c := range out[typ] {
			if len(c.Sent) != 0 {
				t.Errorf("%s changed the secret", typ)
			}
			if c.Res.PhysicalResourceId != "arn:secret#initial-key" {
				t.Errorf("%s changed the physical ID to %q (CloudFormation would replace the resource)", typ, c.Res.PhysicalResourceId)
			}
		}
	}
}
