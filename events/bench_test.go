package events

import "testing"

var benchBody = []byte(`{"id":"Y2lzY29zcGFyazovL3VzL1dFQkhPT0svOTMzNDNk","name":"bot","targetUrl":"https://bot.example.com/webhooks/webex",
"resource":"messages","event":"created","orgId":"Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9lZDhl","createdBy":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS9h",
"appId":"Y2lzY29zcGFyazovL3VzL0FQUExJQ0FUSU9OL0MzMmM4MDc3","ownedBy":"creator","status":"active","created":"2026-11-27T14:41:36.117Z",
"actorId":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS80ZjU3","data":{"id":"Y2lzY29zcGFyazovL3VzL01FU1NBR0UvMjljOGU0MzAtODc2Zi00Zjgz",
"roomId":"Y2lzY29zcGFyazovL3VzL1JPT00vNzBjOTBhMWQtN2QzMC00Zjg1","roomType":"direct","personId":"Y2lzY29zcGFyazovL3VzL1BFT1BMRS80ZjU3",
"personEmail":"user@example.com","created":"2026-11-27T14:41:47.030Z"}}`)

// BenchmarkVerifyDecode is the per-delivery CPU cost at the trust boundary:
// signature check, envelope decode, dedup key and subject.
func BenchmarkVerifyDecode(b *testing.B) {
	secrets := [][]byte{[]byte("current-secret"), []byte("previous-secret")}
	sig := Sign(secrets[0], benchBody)
	v := NewVerifier(secrets)
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		if !v.Verify(benchBody, sig) {
			b.Fatal("signature rejected")
		}
		env, err := Decode(benchBody)
		if err != nil {
			b.Fatal(err)
		}
		_ = DedupKey(env, benchBody)
		_ = env.Subject(DefaultPartitions)
	}
}
