package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/courier-sync/courier-sync/client"
	mobileapi "github.com/courier-sync/courier-sync/mobile-api"
	"github.com/courier-sync/courier-sync/syncproto"
)

// End check of the photos: bounds on waiting and reading.
const (
	// maxProcessingWaits bounds how many 202 answers (each asking to come
	// back after Retry-After, one second) one display copy is waited for.
	maxProcessingWaits = 120
	photoCheckWorkers  = 8
	displayLongSide    = 1600
	maxBlobRead        = 21 << 20
)

// expectedReport is a damage report a courier queued, with its photos.
type expectedReport struct {
	OpID      string
	CourierID string
	Digests   []string
	// Real is set when the photos were attached and must arrive; else they
	// are made up and must show as missing ("pending").
	Real bool
}

// handheldPhotos is what one handheld holds about its photos after the run.
type handheldPhotos struct {
	DeviceID string
	// Pending and Failed are Status().PhotosPending and PhotosFailed; Pending
	// is -1 when the outbox never opened.
	Pending, Failed int
	Photos          []*mobileapi.PhotoStatus
	// Shots are the photos the courier attached.
	Shots []shot
}

// photoCheck is what the end check found about the photos.
type photoCheck struct {
	// Attached counts the photos attached on the handhelds; PhotoBytes is
	// their size, as queued for upload.
	Attached   int
	PhotoBytes int64
	// OnDamage and OnVehicle count them by the record they are attached
	// to; Big counts the big ones.
	OnDamage, OnVehicle, Big int
	// Uploaded counts those their handheld marks uploaded; HandheldPending
	// and HandheldFailed the photos still queued or failed on handhelds.
	Uploaded        int
	HandheldPending int
	HandheldFailed  int
	// Stored counts photos the server holds whole (HEAD: complete, the
	// right length) whose original reads back with the right digest.
	Stored int
	// Processed counts display copies served as a JPEG within 1600 px,
	// upright after the EXIF orientation, without an APP1 segment (no
	// EXIF, no GPS). Unprocessable counts photos the pipeline gave up on.
	Processed     int
	Unprocessable int
	// Waits is the number of 202 answers waited out.
	Waits int
	// Reports counts damage reports with real photos, Linked those listed
	// once with every photo "stored". Missing counts reports with made-up
	// photos, MissingShown those listed once with every photo "pending".
	Reports      int
	Linked       int
	Missing      int
	MissingShown int
	// Faults counts every problem found; Problems describes the first few.
	Faults   int
	Problems []string
	Time     time.Duration

	mu sync.Mutex
}

// OK reports whether every photo was stored, processed and linked, and no
// handheld still holds one.
func (p *photoCheck) OK() bool {
	return p.Faults == 0 && p.Uploaded == p.Attached && p.Stored == p.Attached && p.Processed == p.Attached &&
		p.HandheldPending == 0 && p.HandheldFailed == 0 && p.Linked == p.Reports && p.MissingShown == p.Missing
}

func (p *photoCheck) problem(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.Faults++
	if len(p.Problems) < maxProblems {
		p.Problems = append(p.Problems, fmt.Sprintf(format, args...))
	}
}

// count adds one to a counter under the lock.
func (p *photoCheck) count(n *int) {
	p.mu.Lock()
	*n++
	p.mu.Unlock()
}

// checkPhotos checks the handhelds' photo queues, then, as the admin,
// every attached photo on the server (stored, processed) and every damage
// report of the run (linked).
func checkPhotos(ctx context.Context, ad *admin, hands []handheldPhotos, reports []expectedReport) (*photoCheck, error) {
	start := time.Now()
	p := &photoCheck{}
	var shots []blobToCheck
	for _, h := range hands {
		shots = append(shots, p.checkHandheld(h)...)
	}
	err := forEach(ctx, shots, photoCheckWorkers, func(ctx context.Context, b blobToCheck) error {
		return p.checkBlob(ctx, ad, b)
	})
	if err != nil {
		return nil, err
	}
	byCourier := map[string][]expectedReport{}
	for _, r := range reports {
		byCourier[r.CourierID] = append(byCourier[r.CourierID], r)
		if r.Real {
			p.Reports++
		} else {
			p.Missing++
		}
	}
	couriers := make([]string, 0, len(byCourier))
	for id := range byCourier {
		couriers = append(couriers, id)
	}
	err = forEach(ctx, couriers, photoCheckWorkers, func(ctx context.Context, id string) error {
		return p.checkReports(ctx, ad, id, byCourier[id])
	})
	if err != nil {
		return nil, err
	}
	p.Time = time.Since(start)
	return p, nil
}

// blobToCheck is one attached photo and its size as queued (-1: unknown).
type blobToCheck struct {
	shot
	Device string
	Size   int64
}

// checkHandheld checks that a handheld uploaded every photo it attached and
// holds none pending or failed, and returns its photos to check on the
// server.
func (p *photoCheck) checkHandheld(h handheldPhotos) []blobToCheck {
	if h.Pending < 0 {
		p.Attached += len(h.Shots)
		p.problem("photos of %s: the outbox never opened", h.DeviceID)
		return nil
	}
	p.HandheldPending += h.Pending
	p.HandheldFailed += h.Failed
	byDigest := map[string]*mobileapi.PhotoStatus{}
	for _, ps := range h.Photos {
		byDigest[ps.Digest] = ps
		if ps.State == mobileapi.PhotoFailed {
			p.problem("photo %s… on %s failed: %s %s", short(ps.Digest), h.DeviceID, ps.Code, ps.Message)
		}
	}
	if h.Pending > 0 {
		p.problem("photos of %s: %d still pending on the handheld", h.DeviceID, h.Pending)
	}
	var out []blobToCheck
	seen := map[string]bool{}
	for _, s := range h.Shots {
		if seen[s.Digest] {
			continue // the same bytes attached twice are one photo
		}
		seen[s.Digest] = true
		p.Attached++
		switch s.Kind {
		case syncproto.KindDamageReport:
			p.OnDamage++
		case syncproto.KindVehicleLog:
			p.OnVehicle++
		}
		if s.Big {
			p.Big++
		}
		b := blobToCheck{shot: s, Device: h.DeviceID, Size: -1}
		ps := byDigest[s.Digest]
		switch {
		case ps == nil:
			p.problem("photo %s… of %s: not in the handheld's Photos()", short(s.Digest), h.DeviceID)
		case ps.State != mobileapi.PhotoUploaded:
			if ps.State != mobileapi.PhotoFailed {
				p.problem("photo %s… of %s: %s on the handheld (%d of %d bytes sent)", short(s.Digest), h.DeviceID, ps.State, ps.Sent, ps.Size)
			}
			b.Size = ps.Size
		default:
			p.Uploaded++
			b.Size = ps.Size
			p.PhotoBytes += ps.Size
		}
		out = append(out, b)
	}
	if len(h.Photos) != len(seen) {
		p.problem("photos of %s: the handheld lists %d, the courier attached %d", h.DeviceID, len(h.Photos), len(seen))
	}
	return out
}

// checkBlob checks one photo on the server: whole (HEAD), the original's
// digest, and the display copy once processed.
func (p *photoCheck) checkBlob(ctx context.Context, ad *admin, b blobToCheck) error {
	path := "/v1/blobs/" + b.Digest
	ans, err := ad.Send(ctx, http.MethodHead, path, nil, nil)
	if err != nil {
		return err
	}
	off, _ := strconv.ParseInt(ans.Header.Get("Upload-Offset"), 10, 64)
	if ans.Status != http.StatusOK || ans.Header.Get("Upload-Complete") != "?1" || (b.Size >= 0 && off != b.Size) {
		p.problem("photo %s… of %s: HEAD %d, offset %d of %d, complete %q: not stored whole",
			short(b.Digest), b.Device, ans.Status, off, b.Size, ans.Header.Get("Upload-Complete"))
		return nil
	}
	if ans, err = ad.Send(ctx, http.MethodGet, path+"/original", nil, nil); err != nil {
		return err
	}
	sum := sha256.Sum256(ans.Body)
	if ans.Status != http.StatusOK || hex.EncodeToString(sum[:]) != b.Digest {
		p.problem("photo %s… of %s: original %d, %d bytes with another digest", short(b.Digest), b.Device, ans.Status, len(ans.Body))
		return nil
	}
	p.count(&p.Stored)

	for waits := 0; ; waits++ {
		if ans, err = ad.Send(ctx, http.MethodGet, path, nil, nil); err != nil {
			return err
		}
		if ans.Status != http.StatusAccepted {
			break
		}
		if waits == maxProcessingWaits {
			p.problem("photo %s… of %s: display copy still processing after %d waits", short(b.Digest), b.Device, waits)
			return nil
		}
		p.count(&p.Waits)
		wait := time.Second
		if secs, err := strconv.Atoi(ans.Header.Get("Retry-After")); err == nil && secs > 0 {
			wait = time.Duration(min(secs, 10)) * time.Second
		}
		if err := sleepCtx(ctx, wait); err != nil {
			return err
		}
	}
	if ans.Status == http.StatusUnprocessableEntity {
		p.count(&p.Unprocessable)
		p.problem("photo %s… of %s: unprocessable: %s", short(b.Digest), b.Device, errorText(ans.Body))
		return nil
	}
	if why := displayFault(ans, b.shot); why != "" {
		p.problem("photo %s… of %s: display copy %s", short(b.Digest), b.Device, why)
		return nil
	}
	p.count(&p.Processed)
	return nil
}

// displayFault says what is wrong with a display copy of s, or "".
func displayFault(ans *client.Response, s shot) string {
	if ans.Status != http.StatusOK || ans.Header.Get("Content-Type") != "image/jpeg" {
		return fmt.Sprintf("answered %d %s", ans.Status, ans.Header.Get("Content-Type"))
	}
	segs, err := jpegSegments(ans.Body)
	if err != nil {
		return err.Error()
	}
	for _, seg := range segs {
		if seg.Marker == markerAPP1 {
			return fmt.Sprintf("carries an APP1 segment (%d bytes: EXIF/GPS or XMP)", len(seg.Data))
		}
	}
	if bytes.Contains(ans.Body, []byte(exifHeader)) {
		return "carries an EXIF header"
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(ans.Body))
	if err != nil {
		return "is not a readable JPEG: " + err.Error()
	}
	w, h := s.upright()
	switch {
	case max(cfg.Width, cfg.Height) > displayLongSide:
		return fmt.Sprintf("is %d×%d, over %d px", cfg.Width, cfg.Height, displayLongSide)
	case (cfg.Width > cfg.Height) != (w > h) || absInt(cfg.Width*h-cfg.Height*w) > max(w, h)*2:
		return fmt.Sprintf("is %d×%d, not upright: the photo is %d×%d after EXIF orientation %d", cfg.Width, cfg.Height, w, h, s.Orientation)
	}
	return ""
}

// checkReports lists a courier's damage reports and checks each expected
// one is listed once, its photos all stored (real ones) or all pending
// (made-up ones).
func (p *photoCheck) checkReports(ctx context.Context, ad *admin, courierID string, want []expectedReport) error {
	reports, err := listAllDamage(ctx, ad, courierID)
	if err != nil {
		return fmt.Errorf("list damage reports: %w", err)
	}
	listed := map[string][]syncproto.DamageReportView{}
	for _, r := range reports {
		key := photoDigests(r)
		listed[key] = append(listed[key], r)
	}
	for _, e := range want {
		views := listed[strings.Join(e.Digests, ",")]
		if len(views) != 1 {
			p.problem("damage report op %s: listed %d times, want once", e.OpID, len(views))
			continue
		}
		wantState := "stored"
		if !e.Real {
			wantState = "pending"
		}
		if got := photoStates(views[0]); got != strings.TrimSuffix(strings.Repeat(wantState+",", len(e.Digests)), ",") {
			p.problem("damage report %s (op %s): photos %s, want all %s", views[0].ReportID, e.OpID, got, wantState)
			continue
		}
		if e.Real {
			p.count(&p.Linked)
		} else {
			p.count(&p.MissingShown)
		}
	}
	return nil
}

// listAllDamage reads every page of a courier's damage reports.
func listAllDamage(ctx context.Context, ad *admin, courierID string) ([]syncproto.DamageReportView, error) {
	return client.All(ctx, func(ctx context.Context, cursor string) (client.Page[syncproto.DamageReportView], error) {
		q := url.Values{"courier_id": {courierID}, "limit": {strconv.Itoa(syncproto.MaxPullLimit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		l, err := ad.DamageReports(ctx, q)
		if err != nil {
			return client.Page[syncproto.DamageReportView]{}, err
		}
		return client.Page[syncproto.DamageReportView]{Items: l.Reports, Cursor: l.Cursor, HasMore: l.HasMore}, nil
	})
}

// photoDigests is a report's photo digests, comma-separated.
func photoDigests(v syncproto.DamageReportView) string {
	ds := make([]string, len(v.Photos))
	for i, ph := range v.Photos {
		ds[i] = ph.SHA256
	}
	return strings.Join(ds, ",")
}

// photoStates is a report's photo states, comma-separated.
func photoStates(v syncproto.DamageReportView) string {
	s := make([]string, len(v.Photos))
	for i, ph := range v.Photos {
		s[i] = ph.State
	}
	return strings.Join(s, ",")
}

// errorText reads an error body's code and message, for problems.
func errorText(body []byte) string {
	var eb syncproto.ErrorBody
	if json.Unmarshal(body, &eb) != nil || eb.Error.Code == "" {
		return fmt.Sprintf("%.100q", body)
	}
	return fmt.Sprintf("%s: %s", eb.Error.Code, eb.Error.Message)
}

func short(digest string) string { return digest[:min(12, len(digest))] }

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
