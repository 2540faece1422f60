package server_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/courier-sync/courier-sync/server"
	"github.com/courier-sync/courier-sync/syncproto"
)

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errBoom
	}
	return len(p), nil
}

func TestQualityReportCSV(t *testing.T) {
	rep := &server.QualityReport{Month: "2026-11", QualityFigures: server.QualityFigures{QualityFigures: syncproto.QualityFigures{Pickups: 200, Complaints: 3}}}
	for i := range 300 {
		rep.ByCourier = append(rep.ByCourier, server.CourierQuality{CourierID: "u" + strconv.Itoa(i),
			QualityFigures: server.QualityFigures{QualityFigures: syncproto.QualityFigures{Pickups: 8, Complaints: 1}}})
	}
	rep.Finish()
	for i := range rep.ByCourier {
		rep.ByCourier[i].Finish()
	}
	t.Run("one line per courier after the company's, rates with two decimals", func(t *testing.T) {
		var b strings.Builder
		if err := rep.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		if len(lines) != 302 || !strings.HasPrefix(lines[1], "2026-11,,200,3,1.50,15000.00,") ||
			!strings.HasPrefix(lines[2], "2026-11,u0,8,1,12.50,125000.00,") {
			t.Fatalf("%d lines: %q %q", len(lines), lines[1], lines[2])
		}
	})
	t.Run("a writer failing part way is an error", func(t *testing.T) {
		var b strings.Builder
		rep.WriteCSV(&b)
		for _, after := range []int{0, 5000, b.Len() - 1} {
			if err := rep.WriteCSV(&failingWriter{after: after}); !errors.Is(err, errBoom) {
				t.Fatalf("after %d bytes: %v", after, err)
			}
		}
	})
}
