package server

// HeldWhole reports whether the store holds the blob whole: every state
// but uploading. A backup's blob directory must hold the files of these.
func (m *BlobMeta) HeldWhole() bool { return m.State != BlobUploading }
