package photo

// fairQueue holds jobs per owner and hands them out round robin: each pop
// takes the oldest job of the owner after the one served last.
type fairQueue struct {
	byOwner map[string][]Job
	ring    []string // owners with queued jobs, in turn order
	n       int
}

func (q *fairQueue) len() int { return q.n }

func (q *fairQueue) lenOf(owner string) int { return len(q.byOwner[owner]) }

func (q *fairQueue) push(j Job) {
	if q.byOwner == nil {
		q.byOwner = map[string][]Job{}
	}
	if len(q.byOwner[j.Owner]) == 0 {
		q.ring = append(q.ring, j.Owner)
	}
	q.byOwner[j.Owner] = append(q.byOwner[j.Owner], j)
	q.n++
}

// pop takes the head owner's oldest job and moves that owner to the back
// of the ring (or out of it when it has no more). The queue must not be
// empty.
func (q *fairQueue) pop() Job {
	owner := q.ring[0]
	q.ring = q.ring[1:]
	jobs := q.byOwner[owner]
	j := jobs[0]
	jobs[0] = Job{} // let the collector have what the job refers to
	if jobs = jobs[1:]; len(jobs) == 0 {
		delete(q.byOwner, owner)
	} else {
		q.byOwner[owner] = jobs
		q.ring = append(q.ring, owner)
	}
	q.n--
	return j
}

// drain empties the queue and returns its jobs.
func (q *fairQueue) drain() []Job {
	var all []Job
	for q.n > 0 {
		all = append(all, q.pop())
	}
	return all
}
