package stack

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/courier-sync/courier-sync/server/bolt"
	"github.com/courier-sync/courier-sync/server/crypt"
	"github.com/courier-sync/courier-sync/server/metrics"
)

// openStore opens the bbolt store with the PII key file. A missing key
// file gets fresh keys only when the store holds no sealed data; a store
// whose data is sealed with keys the file lacks (a missing, mistyped or
// foreign key file) is refused, naming the file, rather than run on
// sealing new data that the right keys would never open.
func openStore(cfg Config, m *metrics.Metrics, onWake func()) (*bolt.DB, error) {
	path := filepath.Join(cfg.DataDir, "courier.db")
	keys, err := crypt.Load(cfg.PIIKeyFile)
	fresh := errors.Is(err, crypt.ErrNoKeyFile)
	switch {
	case fresh:
		keys = crypt.Generate()
	case err != nil:
		return nil, fmt.Errorf("PII key file: %w", err)
	}
	db, err := bolt.Open(path, bolt.Options{Clock: cfg.Clock, Capture: cfg.Capture, PII: keys, Settings: cfg.Settings, OnCommit: m.Commit,
		OnWake: onWake, SkewLimit: cfg.SkewLimit})
	switch {
	case errors.Is(err, bolt.ErrPIIKeys) && fresh:
		return nil, fmt.Errorf("the PII key file %s does not exist, but the store %s holds personal data sealed with keys (%w); "+
			"refusing to start: restore the key file (README, \"Backup and restore\") or point -pii-key-file (COURIERD_PII_KEY_FILE) at it",
			cfg.PIIKeyFile, path, err)
	case errors.Is(err, bolt.ErrPIIKeys):
		return nil, fmt.Errorf("the PII key file %s does not hold the keys the store %s is sealed with (%w); "+
			"refusing to start: restore the right key file or point -pii-key-file (COURIERD_PII_KEY_FILE) at it",
			cfg.PIIKeyFile, path, err)
	case errors.Is(err, bolt.ErrLocked):
		return nil, fmt.Errorf("the store %s is held by another process (is another courierd running on this data dir?): %w", path, err)
	case err != nil:
		return nil, err
	}
	if fresh {
		if err := keys.Save(cfg.PIIKeyFile); err != nil {
			db.Close()
			return nil, fmt.Errorf("PII key file: %w", err)
		}
		cfg.Logger.Info("generated a new PII key file: back it up with the store", "path", cfg.PIIKeyFile)
	}
	return db, nil
}
