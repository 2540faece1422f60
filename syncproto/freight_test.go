package syncproto_test

import (
	"testing"

	"github.com/courier-sync/courier-sync/syncproto"
)

func TestPickupFreightIsOptionalAndBounded(t *testing.T) {
	cases := []struct {
		name    string
		freight any
		ok      bool
	}{{"absent", nil, true}, {"zero", 0, true}, {"10^12", 1_000_000_000_000, true}, {"above 10^12", 1_000_000_000_001, false}, {"negative", -1, false}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := payloadJSON(t, syncproto.KindPickup, func(m map[string]any) {
				if tc.freight != nil {
					m["freight_cents"] = tc.freight
				}
			})
			_, e := syncproto.DecodePayload(syncproto.KindPickup, raw)
			if (e == nil) != tc.ok {
				t.Fatalf("freight %v: %v", tc.freight, e)
			}
		})
	}
}
