module github.com/courier-sync/courier-sync

go 1.26.8
