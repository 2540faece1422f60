package photo

import (
	"context"
	"errors"
	"io"
)

var (
	// ErrDeadline means a photo took longer than the pool's
	// Limits.Deadline; its decoder was stopped. The photo is not retried.
	ErrDeadline = errors.New("photo: took longer than its deadline to process")
	// ErrOverBudget means decoding the photo would need more memory than
	// the pool's whole budget (read from its header: pixels, bit depth,
	// channels, interlacing, progressive coefficients); it is refused
	// instead of decoded.
	ErrOverBudget = errors.New("photo: needs more memory than the pipeline's budget")
)

// ctxReader fails every read once ctx is done, so a decoder reading from
// it returns soon after a deadline instead of running on.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if c.ctx.Err() != nil {
		return 0, ErrDeadline
	}
	// Small reads keep the decoder coming back often.
	if len(p) > 32<<10 {
		p = p[:32<<10]
	}
	return c.r.Read(p)
}

// processJob opens the job's upload, checks its structure (scans, end
// marker, nothing after it) and, within the pool's deadline and budget,
// processes it.
func (p *Pool) processJob(j Job) (*Variants, error) {
	if j.Open == nil {
		return nil, errors.New("photo: job has no Open")
	}
	rc, err := j.Open()
	if err != nil {
		return nil, err
	}
	defer func() { rc.Close() }()
	ctx, cancel := context.WithTimeout(p.ctx, p.limits.Deadline)
	defer cancel()
	v, err := p.check(ctx, j, &rc)
	if err == nil {
		v, err = ProcessContext(ctx, rc, p.budget)
	}
	if err != nil && p.ctx.Err() != nil {
		return nil, ErrClosed // shutting down: not the photo's fault
	}
	return v, err
}

// check runs CheckStructure over *rc, then rewinds it (or opens it again).
func (p *Pool) check(ctx context.Context, j Job, rc *io.ReadCloser) (*Variants, error) {
	if _, err := CheckStructure(&ctxReader{ctx: ctx, r: *rc}); err != nil {
		return nil, readFailure(err)
	}
	if s, ok := (*rc).(io.Seeker); ok {
		_, err := s.Seek(0, io.SeekStart)
		return nil, err
	}
	(*rc).Close()
	again, err := j.Open()
	if err != nil {
		*rc = io.NopCloser(eofReader{})
		return nil, err
	}
	*rc = again
	return nil, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// ProcessContext is Process that also stops with ErrDeadline once ctx is
// done (its reads fail, so the decoder returns) and refuses with
// ErrOverBudget an image whose decoding needs more than budget bytes
// (EstimateBytes of its header), before decoding it.
func ProcessContext(ctx context.Context, r io.Reader, budget int64) (*Variants, error) {
	return process(&ctxReader{ctx: ctx, r: r}, budget)
}
